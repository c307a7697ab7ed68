/** The command line of `eurostat catalog` and `eurostat watch`: a run, once or `--every` interval. */
import { parseArgs } from 'node:util';
import { parseEvery } from '@lakestream/config';

/** What the command line asks for. */
export type ScheduleCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'run'; readonly everyMs?: number };

/** Reads `[--every 12h] [--help]`; never throws. */
export function parseScheduleArgs(argv: readonly string[]): ScheduleCommand {
  let values: { every?: string | undefined; help?: boolean | undefined };
  try {
    const parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: { every: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
    if (parsed.positionals.length > 0) {
      return { kind: 'error', message: `unexpected argument '${parsed.positionals[0]}'` };
    }
    values = parsed.values;
  } catch (err) {
    return { kind: 'error', message: (err as Error).message };
  }
  if (values.help) return { kind: 'help' };
  if (values.every === undefined) return { kind: 'run' };
  const every = parseEvery(values.every);
  if ('error' in every) return { kind: 'error', message: every.error };
  return { kind: 'run', everyMs: every.everyMs };
}
