import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { lakestreamHome } from '@lakestream/devstack';
import { runChaos } from './chaos-run.js';
import { formatChaosReport } from './report.js';

const USAGE = `usage: chaos [--rows N] [--seed S] [--long] [--keep]

Runs the whole pipeline twice on a private stack of its own (Kafka, PostgreSQL and fake-gcs-server
in a temporary folder, on free ports; the project's stack is never touched): once cleanly, once while
services are killed with kill -9 (at random moments and at their dangerous moments), the broker is
restarted, PostgreSQL is stopped, the object store answers 503 in bursts and a frozen bronze sink
wakes up after its partitions moved on. Then checks, by Kafka position and by order item, that
bronze, audit, silver and the warehouse hold every record exactly once and that the gold tables equal
the clean run's. Prints the faults, what each layer lost or duplicated, and the time to recover.
Exit status: 0 all held, 1 a loss, duplicate, difference or failed step, 2 bad options.

  --rows N   order items generated (default 3000; 20000 with --long)
  --seed S   seed of the data and of the fault moments (default 7)
  --long     the long form: six parts, more kills, two broker restarts, PostgreSQL down 60 s
  --keep     keep the run's folder (logs, lake, warehouses) for a look afterwards`;

async function main(): Promise<number> {
  let values: { rows?: string; seed?: string; long?: boolean; keep?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        rows: { type: 'string' },
        seed: { type: 'string', default: '7' },
        long: { type: 'boolean', default: false },
        keep: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    console.error(`chaos: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const rows = Number(values.rows ?? (values.long ? 20_000 : 3_000));
  const seed = Number(values.seed);
  if (
    !Number.isInteger(rows) ||
    rows < 100 ||
    !Number.isInteger(seed) ||
    seed < 0 ||
    seed > 0xffffffff
  ) {
    console.error(
      `chaos: --rows must be an integer ≥ 100 and --seed an unsigned 32-bit integer\n${USAGE}`,
    );
    return 2;
  }
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  const report = await runChaos({
    signal: abort.signal,
    rows,
    seed,
    long: values.long ?? false,
    keep: values.keep ?? false,
    dbtVenv: process.env.LAKESTREAM_DBT_VENV ?? join(lakestreamHome(), 'venv'),
    say: (message) => process.stderr.write(`\u001b[1;34m==>\u001b[0m chaos: ${message}\n`),
  });
  console.log(`\n${formatChaosReport(report)}`);
  return report.ok ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`chaos: ${(err as Error).message}`);
    process.exitCode = 1;
  },
);
