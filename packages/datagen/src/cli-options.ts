/**
 * Command-line options of the generator, parsed and checked apart from the entry point so that
 * every error message can be tested without spawning a process.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_ROWS, DEFAULT_SEED } from './generate-order-items.js';

/** The usage text printed by `--help` and after an argument error. */
export const USAGE = `Usage: datagen [--rows N] [--seed S] --out FILE

Writes a deterministic DataCo-shaped order-item CSV (53 columns, latin-1, LF line ends).

Options:
  --rows N     number of order-item rows, a non-negative integer (default ${DEFAULT_ROWS})
  --seed S     seed, an integer from 0 to 4294967295 (default ${DEFAULT_SEED});
               the same rows and seed always give the same bytes
  --out FILE   file to create or overwrite (required); a relative path is taken from the
               current directory, which is packages/datagen under \`pnpm gen-data\`
  -h, --help   print this help

Example:
  pnpm --filter @lakestream/datagen gen-data --rows 20000 --seed 7 --out /tmp/dataco.csv`;

/** Parsed command line. */
export type CliCommand =
  | { readonly kind: 'help' }
  | {
      readonly kind: 'generate';
      readonly rows: number;
      readonly seed: number;
      readonly out: string;
    }
  | { readonly kind: 'error'; readonly message: string };

const MAX_SEED = 0xffff_ffff;

function parseWhole(name: string, text: string, max: number): number | string {
  // Digits only: parseInt would read "12abc" as 12 and Number would take "1e5" or " 7".
  if (!/^\d+$/.test(text))
    return `--${name} must be a non-negative integer, got ${JSON.stringify(text)}`;
  const value = Number(text);
  if (value > max) return `--${name} must be at most ${max}, got ${text}`;
  return value;
}

/** Turns argv (without node and the script) into a command, or an error naming the bad argument. */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  // `pnpm run gen-data -- --rows 5` passes the `--` through; it carries no meaning here.
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  let values: { rows?: string; seed?: string; out?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        rows: { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    return { kind: 'error', message: (err as Error).message };
  }
  if (values.help) return { kind: 'help' };

  const problems: string[] = [];
  const rows = parseWhole('rows', values.rows ?? String(DEFAULT_ROWS), Number.MAX_SAFE_INTEGER);
  const seed = parseWhole('seed', values.seed ?? String(DEFAULT_SEED), MAX_SEED);
  if (typeof rows === 'string') problems.push(rows);
  if (typeof seed === 'string') problems.push(seed);
  if (values.out === undefined || values.out === '') problems.push('--out FILE is required');
  if (problems.length > 0 || typeof rows === 'string' || typeof seed === 'string') {
    return { kind: 'error', message: problems.join('; ') };
  }
  return { kind: 'generate', rows, seed, out: values.out! };
}
