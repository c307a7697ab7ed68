// Totals the vitest JSON reports of every package into one closing line, the form CI reads:
// "tests: N passed, N failed, N skipped". Exits 1 when a report is missing tests or failed.
// `--check NAME=STATUS` (repeatable) counts a check run outside vitest as one more test: passed
// when STATUS is 0 (CI's first-run demo).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { check: { type: 'string', multiple: true, default: [] } },
});
const dir = positionals[0];
let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];
for (const file of readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()) {
  const report = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  passed += report.numPassedTests;
  failed +=
    report.numFailedTests + (report.numFailedTestSuites > 0 && report.numFailedTests === 0 ? 1 : 0);
  skipped += report.numPendingTests + report.numTodoTests;
  rows.push(
    `  ${file.replace(/\.json$/, '').padEnd(16)} ${String(report.numPassedTests).padStart(4)} passed ${String(report.numFailedTests).padStart(3)} failed`,
  );
}
for (const check of values.check) {
  const [name, status] = [
    check.slice(0, check.lastIndexOf('=')),
    check.slice(check.lastIndexOf('=') + 1),
  ];
  const ok = status === '0';
  if (ok) passed += 1;
  else failed += 1;
  rows.push(
    `  ${name.padEnd(16)} ${ok ? '   1 passed   0 failed' : `   0 passed   1 failed (exit ${status})`}`,
  );
}
console.log(rows.join('\n'));
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
