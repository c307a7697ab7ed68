// Totals the vitest JSON reports of every package into one closing line, the form CI reads:
// "tests: N passed, N failed, N skipped". Exits 1 when a report is missing tests or failed.
// `--check NAME=STATUS` (repeatable) counts a check run outside vitest as one more test: passed
// when STATUS is 0 (CI's first-run demo). Each failed test is named, with the first lines of its
// failure, just above the closing line: CI keeps only the tail of the output.
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
const failures = [];
const FAILURE_LINES = 12;
for (const file of readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()) {
  const report = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  passed += report.numPassedTests;
  failed +=
    report.numFailedTests + (report.numFailedTestSuites > 0 && report.numFailedTests === 0 ? 1 : 0);
  skipped += report.numPendingTests + report.numTodoTests;
  for (const suite of report.testResults ?? []) {
    const where = suite.name.replace(/^.*?\/(packages|services|dbt)\//, '$1/');
    const tests = suite.assertionResults ?? [];
    // A failed beforeAll skips the file's tests and a failed afterAll leaves them passed: the
    // file failed with no failed test to name.
    if (suite.status === 'failed' && !tests.some((t) => t.status === 'failed')) {
      failures.push({
        where,
        name: '(a hook failed or the file did not run)',
        message: suite.message || 'no message in the report: see the package output above',
      });
    }
    for (const test of tests) {
      if (test.status !== 'failed') continue;
      failures.push({
        where,
        name: test.fullName,
        message: (test.failureMessages ?? []).join('\n'),
      });
    }
  }
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
for (const failure of failures) {
  const lines = failure.message
    // biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes of the terminal
    .replace(/\u001b\[[0-9;]*m/g, '')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(0, FAILURE_LINES);
  console.log(`FAILED ${failure.where} > ${failure.name}`);
  for (const line of lines) console.log(`    ${line}`);
}
console.log(rows.join('\n'));
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
