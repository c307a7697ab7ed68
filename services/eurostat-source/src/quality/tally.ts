/**
 * The figures the quality gate needs, gathered from the cell batches as they go to PostgreSQL
 * and Parquet, so the gate costs no extra pass over the answer and holds nothing per cell.
 */
import type { CellBatch } from '../jsonstat/cells.js';
import type { JsonStatDataset } from '../jsonstat/dataset.js';
import { isKnownStatus } from './checks.js';

/** Running counts over a version's observed cells. */
export class CellTally {
  /** Positions the sizes make. */
  readonly positions: number;
  /** Positions whose every category may hold data (the sizes less the categories reported empty). */
  readonly dataPositions: number;
  /** Category codes that appear twice in one dimension (`dimension:code`). */
  readonly repeatedCategoryCodes: string[];
  rows = 0;
  outOfRange = 0;
  firstOutOfRange: number | undefined;
  duplicateIndices = 0;
  onNoDataPositions = 0;
  flaggedCells = 0;
  /** Unknown flag texts and the cells carrying each. */
  readonly unknownFlags = new Map<string, number>();
  private last = -1;
  private readonly noData: (Uint8Array | undefined)[];
  private readonly flagKnown: boolean[];
  private readonly flagCells: number[];
  private readonly flags: string[];

  constructor(
    dataset: Pick<
      JsonStatDataset,
      'ids' | 'sizes' | 'dimensions' | 'statusFlags' | 'positionsWithNoData' | 'positions'
    >,
  ) {
    this.positions = dataset.positions;
    this.flags = dataset.statusFlags;
    this.flagKnown = dataset.statusFlags.map((flag, code) => code === 0 || isKnownStatus(flag));
    this.flagCells = dataset.statusFlags.map(() => 0);
    let dataPositions = 1;
    this.noData = dataset.ids.map((id, d) => {
      const size = dataset.sizes[d] as number;
      const listed = new Set(
        (dataset.positionsWithNoData[id] ?? []).filter((p) => p >= 0 && p < size),
      );
      dataPositions *= size - listed.size;
      if (listed.size === 0) return undefined;
      const mask = new Uint8Array(size);
      for (const p of listed) mask[p] = 1;
      return mask;
    });
    this.dataPositions = dataPositions;
    this.repeatedCategoryCodes = [];
    for (const dimension of dataset.dimensions) {
      const seen = new Set<string>();
      for (const { code } of dimension.categories) {
        if (seen.has(code)) this.repeatedCategoryCodes.push(`${dimension.id}:${code}`);
        seen.add(code);
      }
    }
  }

  /**
   * Counts a batch. The reader hands cells out in ascending index order when the answer's keys
   * ascend (as Eurostat writes them), so a repeated index is the one before; when they do not,
   * the reader has refused repeated indices itself and the primary key is the last word.
   */
  add(batch: CellBatch): void {
    const { length, index, status, coords } = batch;
    const positions = this.positions;
    for (let i = 0; i < length; i++) {
      const at = index[i] as number;
      if (at < 0 || at >= positions || !Number.isInteger(at)) {
        this.outOfRange++;
        this.firstOutOfRange ??= at;
      }
      if (at === this.last) this.duplicateIndices++;
      this.last = at;
      const code = status[i] as number;
      if (code !== 0) this.flagCells[code] = (this.flagCells[code] as number) + 1;
    }
    this.rows += length;
    for (let d = 0; d < this.noData.length; d++) {
      const mask = this.noData[d];
      if (mask === undefined) continue;
      const column = coords[d] as Uint32Array;
      for (let i = 0; i < length; i++) {
        if (mask[column[i] as number] === 1) this.onNoDataPositions++;
      }
    }
  }

  /** Settles the flag counts once every batch is in. */
  finish(): this {
    this.flaggedCells = 0;
    this.unknownFlags.clear();
    for (let code = 1; code < this.flags.length; code++) {
      const cells = this.flagCells[code] as number;
      this.flaggedCells += cells;
      if (!this.flagKnown[code] && cells > 0) {
        this.unknownFlags.set(this.flags[code] as string, cells);
      }
    }
    return this;
  }
}
