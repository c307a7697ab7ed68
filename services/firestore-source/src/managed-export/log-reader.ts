/**
 * LevelDB's log format (google/leveldb doc/log_format.md), the container of every managed-export
 * output file: 32 KiB blocks of fragments `checksum u32 LE | length u16 LE | type u8 | data`,
 * the checksum a masked CRC32C over type and data; a record is one FULL fragment or a FIRST,
 * MIDDLE…, LAST sequence; a block's last ≤ 6 bytes are padding. Reads a byte stream block by block,
 * so memory holds one block plus the record being reassembled.
 *
 * On damage the reader reports it once and resyncs as LevelDB does: after a bad fragment the rest
 * of its block is dropped, and MIDDLE/LAST fragments of the record it broke are skipped silently
 * until the next FULL or FIRST.
 */
import { crc32c, maskCrc } from './crc32c.js';

/** Size of a log block. */
export const BLOCK_SIZE = 32 * 1024;
/** Size of a fragment header. */
export const HEADER_SIZE = 7;

/** Fragment types. */
export const FRAGMENT = { zero: 0, full: 1, first: 2, middle: 3, last: 4 } as const;

/** A whole record and the file offset of its first fragment's header. */
export interface LogRecord {
  kind: 'record';
  offset: number;
  data: Buffer;
}

/** Damage found in the log. */
export interface LogDamage {
  kind: 'damage';
  class: 'crc_mismatch' | 'truncated' | 'bad_entity';
  offset: number;
  message: string;
  raw: Buffer | null;
  /** Bytes `[start, end)` dropped unread after a damaged fragment (to its block's end). */
  skipped?: { start: number; end: number };
}

/** What the log reader hands out, in file order. */
export type LogEvent = LogRecord | LogDamage;

const TYPE_NAMES = ['ZERO', 'FULL', 'FIRST', 'MIDDLE', 'LAST'];

/** The fragment state machine, fed one block at a time. */
class LogParser {
  private fragments: Buffer[] | null = null;
  private fragmentsAt = 0;
  private resyncing = false;
  private cutTailAt = -1;
  private cutTail: Buffer | null = null;
  readonly events: LogEvent[] = [];

  private damage(
    cls: LogDamage['class'],
    offset: number,
    message: string,
    raw: Buffer | null,
    skipped?: LogDamage['skipped'],
  ) {
    this.events.push({
      kind: 'damage',
      class: cls,
      offset,
      message,
      raw,
      ...(skipped === undefined ? {} : { skipped }),
    });
  }

  /** Drops a record under reassembly, reported as broken by what came at `offset`. */
  private dropPartial(offset: number, what: string): void {
    if (this.fragments === null) return;
    this.damage(
      'truncated',
      this.fragmentsAt,
      `record started at byte ${this.fragmentsAt} never ended: ${what} at byte ${offset}`,
      Buffer.concat(this.fragments),
    );
    this.fragments = null;
  }

  /** Parses one block (`final`: the file's last, maybe shorter than BLOCK_SIZE). */
  block(block: Buffer, blockAt: number, final: boolean): void {
    let p = 0;
    while (true) {
      const left = block.length - p;
      if (left < HEADER_SIZE) {
        // A full block's tail is padding; a short tail at the end of the file is a cut header,
        // unless it is zeros (preallocated space).
        if (final && left > 0 && block.subarray(p).some((b) => b !== 0)) {
          this.cutTailAt = blockAt + p;
          this.cutTail = Buffer.from(block.subarray(p));
        }
        return;
      }
      const at = blockAt + p;
      const stored = block.readUInt32LE(p);
      const length = block.readUInt16LE(p + 4);
      const type = block[p + 6]!;
      if (type === FRAGMENT.zero && length === 0 && stored === 0) return; // preallocated zeros
      if (HEADER_SIZE + length > left) {
        if (final && block.length < BLOCK_SIZE) {
          const raw = Buffer.from(block.subarray(p));
          if (this.fragments !== null) {
            this.fragments.push(raw);
            this.dropPartial(at, 'the file ends inside a fragment');
          } else {
            this.damage(
              'truncated',
              at,
              `${TYPE_NAMES[type] ?? type} fragment of ${length} bytes cut by the end of the file`,
              raw,
            );
          }
        } else {
          this.corrupt(
            at,
            blockAt + block.length,
            `fragment length ${length} runs past its block`,
            null,
          );
        }
        return;
      }
      const start = p + HEADER_SIZE;
      const end = start + length;
      p = end;
      const actual = maskCrc(crc32c(block, crc32c(block, 0, p - length - 1, start), start, end));
      if (actual !== stored) {
        this.corrupt(
          at,
          blockAt + block.length,
          `checksum 0x${stored.toString(16)} stored, 0x${actual.toString(16)} computed`,
          Buffer.from(block.subarray(start, end)),
        );
        return;
      }
      const data = block.subarray(start, end);
      switch (type) {
        case FRAGMENT.full:
          this.dropPartial(at, 'a FULL record');
          this.resyncing = false;
          this.events.push({ kind: 'record', offset: at, data });
          break;
        case FRAGMENT.first:
          this.dropPartial(at, 'a new FIRST fragment');
          this.resyncing = false;
          this.fragments = [data];
          this.fragmentsAt = at;
          break;
        case FRAGMENT.middle:
        case FRAGMENT.last:
          if (this.fragments !== null) {
            this.fragments.push(data);
            if (type === FRAGMENT.last) {
              this.events.push({
                kind: 'record',
                offset: this.fragmentsAt,
                data: Buffer.concat(this.fragments),
              });
              this.fragments = null;
            }
          } else if (!this.resyncing) {
            this.damage(
              'truncated',
              at,
              `${TYPE_NAMES[type]} fragment without the FIRST fragment of its record`,
              Buffer.from(data),
            );
            // The record's other fragments are the same damage: skip them silently.
            this.resyncing = type === FRAGMENT.middle;
          }
          break;
        default:
          this.dropPartial(at, `a fragment of unknown type ${type}`);
          this.damage('bad_entity', at, `fragment of unknown type ${type}`, Buffer.from(data));
      }
    }
  }

  /**
   * A fragment that cannot be trusted: report it (with any record it broke) and the bytes from it
   * to `blockEnd`, which are skipped unread – its length cannot be trusted, so neither can any
   * header after it in the block (LevelDB's rule; no resync inside the block).
   */
  private corrupt(at: number, blockEnd: number, message: string, raw: Buffer | null): void {
    const partial =
      this.fragments === null ? '' : ` (record started at byte ${this.fragmentsAt} dropped)`;
    this.fragments = null;
    this.resyncing = true;
    const skipped = { start: at, end: blockEnd };
    this.damage(
      'crc_mismatch',
      at,
      `${message}${partial}; skipped ${blockEnd - at} bytes [${at}, ${blockEnd}) to the next block`,
      raw,
      skipped,
    );
  }

  /** At the end of the file: a record under reassembly or a cut header is truncation. */
  finish(fileLength: number): void {
    if (this.fragments !== null) {
      if (this.cutTail !== null) this.fragments.push(this.cutTail);
      this.dropPartial(fileLength, 'the file ends');
    } else if (this.cutTail !== null) {
      this.damage(
        'truncated',
        this.cutTailAt,
        `${this.cutTail.length} bytes of a fragment header cut by the end of the file`,
        this.cutTail,
      );
    }
    this.cutTail = null;
  }
}

/**
 * The records of a LevelDB log read from `chunks` (any sizes), with the damage found, in file
 * order. Record data may share memory with the chunks: copy it to keep it past the next record.
 */
export async function* readLogRecords(
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
): AsyncGenerator<LogEvent> {
  const parser = new LogParser();
  const events = parser.events;
  let carry: Buffer | null = null;
  let at = 0; // file offset of the next block
  for await (const chunk of chunks) {
    let pos = 0;
    if (carry !== null) {
      const need = BLOCK_SIZE - carry.length;
      if (chunk.length < need) {
        carry = Buffer.concat([carry, chunk]);
        continue;
      }
      parser.block(Buffer.concat([carry, chunk.subarray(0, need)]), at, false);
      at += BLOCK_SIZE;
      pos = need;
      carry = null;
    }
    for (; chunk.length - pos >= BLOCK_SIZE; pos += BLOCK_SIZE, at += BLOCK_SIZE) {
      parser.block(chunk.subarray(pos, pos + BLOCK_SIZE), at, false);
    }
    if (pos < chunk.length) carry = Buffer.from(chunk.subarray(pos));
    if (events.length > 0) {
      yield* events;
      events.length = 0;
    }
  }
  // The last block: a short one, or (a file of whole blocks) nothing left at all.
  const tail = carry ?? Buffer.alloc(0);
  parser.block(tail, at, true);
  parser.finish(at + tail.length);
  yield* events;
}
