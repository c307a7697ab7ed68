import { formatDuration, parseDuration } from '@lakestream/config';
import { SILVER_TABLE_NAMES } from '@lakestream/silver';
import { DISCOVERY_MODES, type DiscoveryMode } from './config.js';
import { TransformerError } from './errors.js';
import type { BatchOutcome } from './transformer.js';

/** Options both modes take; each overrides its environment variable. */
export interface RunOptions {
  maxObjects?: number;
  discover?: DiscoveryMode;
}

/** What the command line asks for. */
export type Command =
  /** One batch of everything pending; with `everyMs`, one batch per period until SIGTERM. */
  | ({ name: 'run'; everyMs?: number } & RunOptions)
  /** Long-running: a batch shortly after new bronze manifests arrive. */
  | ({ name: 'worker' } & RunOptions)
  | { name: 'help' };

export const USAGE = `usage: transformer <command> [options]

commands:
  run                 transform every pending bronze object into one silver batch, then exit
  run --every 15m     the same once per period, until SIGTERM (serves /healthz /readyz /metrics)
  worker              follow the bronze manifest topic; a batch shortly after objects arrive
  help                this text

options:
  --max-objects N             at most N bronze objects per batch (a prefix of each partition)
  --discover manifests|listing  how pending objects are found (default: TRANSFORMER_DISCOVER)

Configuration comes from the environment (see README.md). Exit status: 0 done (also when there
was nothing new), 1 the batch failed (nothing was published), 2 bad configuration or usage.`;

const usage = (message: string) =>
  new TransformerError('LS_TRANSFORMER_USAGE', `${message}\n\n${USAGE}`);

/** Parses the arguments after the program name. Throws `LS_TRANSFORMER_USAGE` when they do not parse. */
export function parseCommandLine(argv: readonly string[]): Command {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h')
    return { name: 'help' };
  if (name !== 'run' && name !== 'worker') throw usage(`unknown command '${name}'`);
  const options: RunOptions & { everyMs?: number } = {};
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = () => {
      if (eq > 0) return arg.slice(eq + 1);
      const next = rest[++i];
      if (next === undefined) throw usage(`${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case '--every': {
        if (name !== 'run') throw usage('--every goes with run');
        const text = value();
        const ms = parseDuration(text);
        if (ms === undefined || ms < 1_000)
          throw usage(`--every expects a duration of at least 1s like 15m or 1h, got '${text}'`);
        options.everyMs = ms;
        break;
      }
      case '--max-objects': {
        const text = value();
        const n = Number(text);
        if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1)
          throw usage(`--max-objects expects a positive integer, got '${text}'`);
        options.maxObjects = n;
        break;
      }
      case '--discover': {
        const text = value();
        if (!(DISCOVERY_MODES as readonly string[]).includes(text))
          throw usage(`--discover expects ${DISCOVERY_MODES.join(' or ')}, got '${text}'`);
        options.discover = text as DiscoveryMode;
        break;
      }
      default:
        throw usage(`unknown option '${arg}'`);
    }
  }
  return { name, ...options };
}

/** The one-line summary of a run, as `run` prints it. */
export function summaryLine(outcome: BatchOutcome): string {
  if (outcome.kind === 'empty') {
    return `nothing new to transform (${outcome.objectsFound} committed bronze objects found by ${outcome.discoveredBy}, all processed) in ${outcome.seconds.toFixed(2)} s`;
  }
  const { manifest } = outcome;
  const q = manifest.quality;
  const rows = SILVER_TABLE_NAMES.map((t) => `${t} ${manifest.tables[t]?.rows ?? 0}`).join(', ');
  return (
    `batch ${manifest.batch_id}: ${manifest.inputs.length} objects; records in ${q.records_in}, ` +
    `out ${q.rows_out}, rejected ${q.rejected}, superseded ${q.superseded}; rows: ${rows}; ` +
    `quality ${q.status}${outcome.announced ? '' : ' (not announced)'}; ${outcome.seconds.toFixed(2)} s`
  );
}

/** `15m` for a period in milliseconds (for logs). */
export function describePeriod(ms: number): string {
  return formatDuration(ms);
}
