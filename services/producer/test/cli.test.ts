/** The command line as a user meets it (src/main.ts, run as `pnpm dev` does): exit status, messages. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvText, generatedRows, startProducer, tempDir, writeLatin1 } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterAll(() => cleanup());

describe('lakestream-producer', () => {
  it('--help prints the usage and exits 0', async () => {
    const { exit } = startProducer(['--help'], dir);
    const done = await exit;
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/^Usage: lakestream-producer \[options\] FILE\.\.\./);
  });

  it('a bad flag exits 2 naming it', async () => {
    const done = await startProducer(['--rate', 'fast', 'x.csv'], dir).exit;
    expect(done.code).toBe(2);
    expect(done.stderr).toContain('--rate must be an integer from 1');
  });

  it('a wrong header exits 2 naming the columns, before touching Kafka', async () => {
    const rows = generatedRows(3, 1).map((r) => r.slice(1));
    const header = ['Payment Type', ...csvText([]).trimEnd().split(',').slice(1)];
    const file = await writeLatin1(`${dir}/bad.csv`, csvText(rows, header));
    const done = await startProducer(['--brokers', '127.0.0.1:1', file], dir).exit;
    expect(done.code).toBe(2);
    expect(done.stderr).toContain('unexpected column "Payment Type" at position 1');
    expect(done.stderr).toContain('missing column "Type" (expected at position 1)');
  });
});
