import { LakestreamError, type LakestreamErrorOptions } from '@lakestream/config';

/**
 * The closed list of codes of the JSON-stat reader. Every error names the file and the byte offset
 * in the JSON text (after gunzip for a `.gz` file) where the reader found it, and the linear cell
 * index when one is at fault. None is retryable: the same bytes fail the same way; a download
 * fault is retried by whoever downloads, before the answer reaches the reader.
 */
export const JSONSTAT_ERROR_CODES = [
  /** The text is not JSON: an unexpected byte, a bad number, a bad escape, data after the end. */
  'LS_JSONSTAT_MALFORMED',
  /** The text ends (or the gzip stream ends) before the dataset object is closed. */
  'LS_JSONSTAT_TRUNCATED',
  /** Valid JSON but not a JSON-stat 2.0 dataset: a required member missing or of the wrong type. */
  'LS_JSONSTAT_NOT_DATASET',
  /**
   * The dimensions disagree: `id` and `size` of different lengths, a dimension of `id` missing,
   * a dimension whose categories are not `size` many (or not positions 0…size−1), a dense `value`
   * or `status` array not as long as the product of the sizes.
   */
  'LS_JSONSTAT_SIZE_MISMATCH',
  /** A `value` or `status` index at or past the product of the sizes, or not an integer. */
  'LS_JSONSTAT_INDEX_OUT_OF_RANGE',
  /** The same index twice in `value` or in `status`. */
  'LS_JSONSTAT_DUPLICATE_INDEX',
  /** Legal JSON-stat the reader does not handle within bounded memory (named in the message). */
  'LS_JSONSTAT_UNSUPPORTED',
  /** The file cannot be read: missing, unreadable, or a gzip stream that is damaged. */
  'LS_JSONSTAT_READ_FAILED',
] as const;

/** One of `JSONSTAT_ERROR_CODES`. */
export type JsonStatErrorCode = (typeof JSONSTAT_ERROR_CODES)[number];

/** Where in the answer a JSON-stat error was found. */
export interface JsonStatErrorPlace {
  file: string;
  /** Byte offset in the JSON text (decompressed), when known. */
  offset?: number | undefined;
  /** Linear cell index, when one is at fault. */
  index?: number | undefined;
}

/** An error of the JSON-stat reader: a stable code, the file, the byte offset and the cell index. */
export class JsonStatError extends LakestreamError {
  declare readonly code: JsonStatErrorCode;
  readonly file: string;
  readonly offset: number | undefined;
  readonly index: number | undefined;

  constructor(
    code: JsonStatErrorCode,
    what: string,
    place: JsonStatErrorPlace,
    options: LakestreamErrorOptions = {},
  ) {
    const where = [
      place.file,
      place.offset === undefined ? undefined : `byte ${place.offset}`,
      place.index === undefined ? undefined : `index ${place.index}`,
    ]
      .filter((part) => part !== undefined)
      .join(', ');
    super(code, `${code}: ${what} (${where})`, {
      ...options,
      details: { file: place.file, offset: place.offset, index: place.index },
    });
    this.file = place.file;
    this.offset = place.offset;
    this.index = place.index;
  }
}
