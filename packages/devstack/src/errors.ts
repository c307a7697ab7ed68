/** Error codes of the devstack; each is documented in packages/devstack/README.md. */
export const DEVSTACK_ERROR_CODES = [
  /** A program a service needs (java, mvn, go, PostgreSQL's or MariaDB's binaries, Python) is not installed. */
  'LS_DEVSTACK_TOOL_MISSING',
  /** Fetching or building a tool failed (Maven Central, the Go proxy, apt-get, PyPI); retriable. */
  'LS_DEVSTACK_INSTALL_FAILED',
  /** A service did not become ready, or the stack's lock stayed taken. */
  'LS_DEVSTACK_START_FAILED',
  /** A service given by its variable (KAFKA_BROKERS, MYSQL_URL, …) does not answer; retriable. */
  'LS_DEVSTACK_UNREACHABLE',
  /** No Cloud Firestore emulator jar: no registry offers it, so it must come with the machine. */
  'LS_DEVSTACK_FIRESTORE_EMULATOR_MISSING',
] as const;

/** One of `DEVSTACK_ERROR_CODES`. */
export type DevstackErrorCode = (typeof DEVSTACK_ERROR_CODES)[number];

/** A failure to install, start or reach a local service; `hint` says what the user can do. */
export class DevstackError extends Error {
  readonly code: DevstackErrorCode;
  readonly retryable: boolean;
  readonly hint: string | undefined;

  constructor(
    code: DevstackErrorCode,
    message: string,
    options: { cause?: unknown; hint?: string; retryable?: boolean } = {},
  ) {
    super(options.hint ? `${message}\n  hint: ${options.hint}` : message, { cause: options.cause });
    this.name = 'DevstackError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.hint = options.hint;
  }
}
