/** Stable error codes of the devstack. */
export type DevstackErrorCode =
  | 'LS_DEVSTACK_TOOL_MISSING'
  | 'LS_DEVSTACK_INSTALL_FAILED'
  | 'LS_DEVSTACK_START_FAILED'
  | 'LS_DEVSTACK_UNREACHABLE';

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
