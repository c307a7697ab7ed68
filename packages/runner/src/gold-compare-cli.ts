// `node --conditions=lakestream-source --import tsx packages/runner/src/gold-compare-cli.ts --help`
import { main } from './gold-compare.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const { code, message } = err as { code?: string; message: string };
    console.error(`gold-compare: ${code ? `${code}: ` : ''}${message}`);
    process.exitCode = 2;
  },
);
