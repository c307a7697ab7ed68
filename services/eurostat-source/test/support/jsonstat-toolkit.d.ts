/** The part of jsonstat-toolkit (which ships no types) the tests use as an independent reader. */
declare module 'jsonstat-toolkit' {
  /** One cell as `toTable({ type: 'arrobj', content: 'id', status: true })` gives it. */
  export type ToolkitRow = Record<string, string | number | null> & {
    value: number | null;
    status: string | null;
  };

  /** A JSON-stat response read by the toolkit. */
  export interface ToolkitDataset {
    readonly class: string;
    readonly label: string;
    readonly updated: string;
    readonly id: string[];
    readonly size: number[];
    /** Number of cells (product of the sizes). */
    readonly n: number;
    Dimension(
      id: string,
    ): { id: string[]; label: string; Category(code: string): { label: string } } | null;
    Dice(filters: Record<string, string[]>, options?: { clone?: boolean }): ToolkitDataset;
    toTable(options: { type: 'arrobj'; content: 'id'; status: true }): ToolkitRow[];
  }

  export default function JSONstat(input: unknown): ToolkitDataset;
}
