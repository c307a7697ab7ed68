import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseFaultPoints } from '../src/fault-point.js';
import { moduleSnippetArgs, PACKAGE_DIR } from './module-snippet.js';

describe('parseFaultPoints', () => {
  it('reads names with an optional hit number', () => {
    expect(parseFaultPoints('bronze-sink.after-put, audit-sink.after-insert@3')).toEqual(
      new Map([
        ['bronze-sink.after-put', 1],
        ['audit-sink.after-insert', 3],
      ]),
    );
    expect(parseFaultPoints(undefined).size).toBe(0);
    expect(parseFaultPoints('').size).toBe(0);
  });

  it('rejects a malformed entry instead of ignoring it', () => {
    expect(() => parseFaultPoints('after-put')).toThrow(/not a fault point/);
    expect(() => parseFaultPoints('bronze-sink.after-put@0')).toThrow(/not a fault point/);
  });
});

describe('faultPoint', () => {
  const script = (env: Record<string, string>) =>
    spawnSync(
      process.execPath,
      moduleSnippetArgs(
        `import { faultPoint } from '@lakestream/observability';
         for (let i = 1; i <= 3; i++) { faultPoint('svc.moment'); process.stdout.write(i + ';'); }`,
      ),
      { cwd: PACKAGE_DIR, env: { ...process.env, ...env }, encoding: 'utf8' },
    );

  it('kills the process with SIGKILL at the armed hit', () => {
    const result = script({ LAKESTREAM_FAULT_POINTS: 'svc.moment@2' });
    expect(result.signal).toBe('SIGKILL');
    expect(result.stdout).toBe('1;');
    expect(result.stderr).toMatch(/fault point svc\.moment \(hit 2\)/);
  });

  it('does nothing when not armed', () => {
    const result = script({ LAKESTREAM_FAULT_POINTS: 'other.moment' });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('1;2;3;');
  });
});
