/**
 * Entry point: `node --conditions=lakestream-source --import tsx packages/datagen/src/cli.ts
 * --rows N --seed S --out FILE`. Wiring only; the work is in write-csv.ts.
 */
import { parseCliArgs, USAGE } from './cli-options.js';
import { writeCsv } from './write-csv.js';

const command = parseCliArgs(process.argv.slice(2));
if (command.kind === 'help') {
  console.log(USAGE);
} else if (command.kind === 'error') {
  console.error(`datagen: ${command.message}\n\n${USAGE}`);
  process.exitCode = 2;
} else {
  const started = performance.now();
  try {
    const summary = await writeCsv(command);
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? Math.round(summary.rows / seconds) : summary.rows;
    const n = (value: number) => value.toLocaleString('en-US');
    console.error(
      `datagen: wrote ${command.out}: ${n(summary.rows)} rows, ${n(summary.orders)} orders, ` +
        `${n(summary.customers)} customers, ${n(summary.bytes)} bytes in ${seconds.toFixed(2)} s ` +
        `(${n(rate)} rows/s, seed ${command.seed})`,
    );
  } catch (err) {
    console.error(`datagen: could not write ${command.out}: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
