import { LakestreamError, type LakestreamErrorOptions } from '@lakestream/config';

/**
 * The producer's closed list of error codes. A code is a contract (logs, alerts and the exit
 * status are derived from it), so codes are added, never renamed.
 */
export const PRODUCER_ERROR_CODES = {
  /** A command-line flag is unknown, malformed or missing. */
  LS_PRODUCER_USAGE: 'bad command line',
  /** An input file cannot be opened or read. */
  LS_PRODUCER_INPUT_UNREADABLE: 'input not readable',
  /** An input has no header line at all (a 0-byte file). */
  LS_PRODUCER_INPUT_EMPTY: 'input has no header line',
  /** The header line is not the 53 DataCo columns. */
  LS_PRODUCER_BAD_HEADER: 'header does not match the DataCo columns',
  /** A record grew past the hard limit without ending (an unclosed quote swallowing the file). */
  LS_PRODUCER_RECORD_UNBOUNDED: 'record without an end',
  /** Kafka refused or never acknowledged a batch (after the client's own retries). */
  LS_PRODUCER_SEND_FAILED: 'Kafka send failed',
  /** The checkpoint could not be written. */
  LS_PRODUCER_CHECKPOINT_FAILED: 'checkpoint not written',
} as const;

/** One of the producer's error codes. */
export type ProducerErrorCode = keyof typeof PRODUCER_ERROR_CODES;

/** Codes caused by the input or the command line: fixing them needs a person, so exit status 2. */
const INPUT_ERRORS: ReadonlySet<ProducerErrorCode> = new Set([
  'LS_PRODUCER_USAGE',
  'LS_PRODUCER_INPUT_UNREADABLE',
  'LS_PRODUCER_INPUT_EMPTY',
  'LS_PRODUCER_BAD_HEADER',
  'LS_PRODUCER_RECORD_UNBOUNDED',
]);

/** A typed producer error with a stable code. */
export class ProducerError extends LakestreamError {
  declare readonly code: ProducerErrorCode;

  constructor(code: ProducerErrorCode, message: string, options: LakestreamErrorOptions = {}) {
    super(code, message, options);
  }
}

/**
 * Process exit status for an error: 2 for bad input or usage (rerunning will not help), 1 for
 * everything else (Kafka, disk), which a rerun with `--resume` can finish.
 */
export function exitCodeFor(err: unknown): 1 | 2 {
  if (err instanceof ProducerError && INPUT_ERRORS.has(err.code)) return 2;
  if (err instanceof LakestreamError && err.code === 'LS_CONFIG_INVALID') return 2;
  return 1;
}
