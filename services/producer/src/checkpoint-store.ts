/**
 * Resume points, one small JSON file per input: the last row whose batch, and every earlier batch,
 * Kafka acknowledged. Written atomically (temporary file + rename) after each acknowledgement, so
 * a crash at any moment leaves either the previous or the next checkpoint, never a torn one.
 *
 * The file is named by a hash of the input's absolute path, size and modification time (and the
 * target topic): a changed file, or the same file sent to another topic, starts from row 1.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ProducerError } from './errors.js';

/** What a checkpoint file holds. */
export interface Checkpoint {
  version: 1;
  /** Absolute path of the input. */
  input: string;
  size: number;
  mtime_ms: number;
  topic: string;
  /** Every row up to and including this one is acknowledged (0: none yet). */
  row: number;
  /** The whole input was read and acknowledged. */
  complete: boolean;
  updated_at: string;
}

/** The checkpoint of one input file. */
export class CheckpointFile {
  private written: Checkpoint | undefined;
  private writtenAt = Number.NEGATIVE_INFINITY;
  private pending: { row: number; complete: boolean } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private directoryMade = false;
  private failure: unknown;
  /** Least time between two writes; updates in between are coalesced into the next write. */
  minIntervalMs = 20;

  private constructor(
    /** Where the checkpoint lives. */
    readonly path: string,
    private readonly identity: Omit<Checkpoint, 'row' | 'complete' | 'updated_at'>,
  ) {}

  /** The checkpoint file of `input` (a path) for `topic`, under `<home>/producer/checkpoints`. */
  static async forInput(home: string, input: string, topic: string): Promise<CheckpointFile> {
    const absolute = resolve(input);
    const info = await stat(absolute);
    const identity = {
      version: 1 as const,
      input: absolute,
      size: info.size,
      mtime_ms: Math.trunc(info.mtimeMs),
      topic,
    };
    const hash = createHash('sha256')
      .update([absolute, info.size, identity.mtime_ms, topic].join('\0'))
      .digest('hex')
      .slice(0, 32);
    const dir = join(resolve(home), 'producer', 'checkpoints');
    return new CheckpointFile(join(dir, `${hash}.json`), identity);
  }

  /**
   * The stored checkpoint, or undefined when there is none, it belongs to another input, or it
   * cannot be read as one (then the input starts over: duplicates, never a lost row).
   */
  async read(): Promise<Checkpoint | undefined> {
    let stored: Checkpoint;
    try {
      stored = JSON.parse(await readFile(this.path, 'utf8')) as Checkpoint;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || err instanceof SyntaxError) {
        return undefined;
      }
      throw err;
    }
    const same =
      stored.version === 1 &&
      stored.input === this.identity.input &&
      stored.size === this.identity.size &&
      stored.mtime_ms === this.identity.mtime_ms &&
      stored.topic === this.identity.topic &&
      Number.isSafeInteger(stored.row);
    return same ? stored : undefined;
  }

  /**
   * Records a new resume point. Written synchronously – the file is a few hundred bytes on local
   * disk, well under a millisecond – because asynchronous writes queue behind the CPU-bound
   * parsing and let the checkpoint trail the acknowledgements by seconds (seconds of duplicates
   * after a crash). Writes are at most `minIntervalMs` apart; a newer row in between is written
   * when the interval is over (or on `flush`). A row lower than the last one is ignored.
   */
  update(row: number, complete = false): void {
    const latest = this.pending ?? this.written;
    if (latest && (row < latest.row || (row === latest.row && complete === latest.complete))) {
      return;
    }
    this.pending = { row, complete };
    const wait = this.writtenAt + this.minIntervalMs - performance.now();
    if (wait <= 0 || complete) {
      this.writePending();
    } else {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.writePending();
      }, wait);
    }
  }

  private writePending(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const pending = this.pending;
    if (pending === undefined) return;
    this.pending = undefined;
    const checkpoint: Checkpoint = {
      ...this.identity,
      row: pending.row,
      complete: pending.complete,
      updated_at: new Date().toISOString(),
    };
    try {
      if (!this.directoryMade) {
        mkdirSync(dirname(this.path), { recursive: true });
        this.directoryMade = true;
      }
      const temporary = `${this.path}.${process.pid}.tmp`;
      writeFileSync(temporary, `${JSON.stringify(checkpoint, null, 2)}\n`);
      renameSync(temporary, this.path);
      this.written = checkpoint;
      this.writtenAt = performance.now();
    } catch (err) {
      this.failure ??= new ProducerError(
        'LS_PRODUCER_CHECKPOINT_FAILED',
        `cannot write the checkpoint ${this.path}: ${(err as Error).message}`,
        { cause: err, retryable: true },
      );
    }
  }

  /** Writes the latest update now; throws if a write failed since the checkpoint was opened. */
  async flush(): Promise<void> {
    this.writePending();
    if (this.failure !== undefined) throw this.failure;
  }
}
