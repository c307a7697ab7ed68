// A service whose log reader has ended (its runner killed, a closed pipe): the logger goes quiet
// instead of failing on every line, and the service shuts down and exits instead of running on
// unseen – before, one logging to stderr spun at 70 % of a core on EPIPE and ignored SIGTERM, and
// one logging to stdout ran on, its lines dropped.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '../src/logger.js';
import { moduleSnippetArgs, PACKAGE_DIR } from './module-snippet.js';

describe('a log destination that fails', () => {
  it('is reported once and written no more', () => {
    const stream = new PassThrough();
    const write = vi.spyOn(stream, 'write');
    const lost = vi.fn();
    const logger = createLogger({ service: 'test', destination: stream, onDestinationLost: lost });
    logger.info('seen');
    expect(write).toHaveBeenCalledTimes(1);
    const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    stream.emit('error', epipe);
    stream.emit('error', epipe);
    logger.info('not written');
    expect(lost).toHaveBeenCalledOnce();
    expect(lost).toHaveBeenCalledWith(epipe);
    expect(write).toHaveBeenCalledTimes(1);
  });

  for (const stream of ['stderr', 'stdout'] as const) {
    it(`stops a service whose ${stream} reader has gone: its shutdown runs and it exits with 1`, async () => {
      const other = stream === 'stderr' ? 'stdout' : 'stderr';
      const child = spawn(
        process.execPath,
        moduleSnippetArgs(
          `import { createServiceRuntime } from '@lakestream/observability';
           const runtime = createServiceRuntime({
             service: 'orphan',
             config: { logLevel: 'info', shutdownGraceMs: 5000 },
             ${stream === 'stderr' ? 'logDestination: process.stderr,' : ''}
           });
           runtime.shutdown.add('flush', () => { process.${other}.write('shutdown hook ran\\n'); });
           setInterval(() => runtime.logger.info('working'), 20);`,
        ),
        { cwd: PACKAGE_DIR, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let said = '';
      child[other].setEncoding('utf8').on('data', (chunk: string) => {
        said += chunk;
      });
      await once(child[stream], 'data');
      // The reader ends: the child's next lines meet a closed pipe.
      child[stream].destroy();
      const exit = once(child, 'exit');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const [code, signal] = (await exit) as [number | null, NodeJS.Signals | null];
      clearTimeout(timer);
      // What the child wrote before it exited may still be in the pipe.
      if (!child[other].readableEnded) await once(child[other], 'end');
      expect({ code, signal }).toEqual({ code: 1, signal: null });
      expect(said).toContain('shutdown hook ran');
    }, 30_000);
  }

  it('names a log file that cannot be written on stderr, and exits with 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'log-lost-'));
    try {
      // A folder where the log file should be: opening it fails after the service has started.
      const child = spawnSync(
        process.execPath,
        moduleSnippetArgs(
          `import { createServiceRuntime, logFileOrStderr } from '@lakestream/observability';
           const runtime = createServiceRuntime({
             service: 'misconfigured',
             config: { logLevel: 'info', shutdownGraceMs: 5000 },
             logDestination: logFileOrStderr(${JSON.stringify(dir)}),
           });
           setInterval(() => runtime.logger.info('working'), 20);`,
        ),
        { cwd: PACKAGE_DIR, encoding: 'utf8', timeout: 15_000 },
      );
      expect({ status: child.status, signal: child.signal }).toEqual({ status: 1, signal: null });
      expect(child.stderr).toMatch(/^misconfigured: cannot write its log \(EISDIR.*\); stopping$/m);
      expect(child.stderr).toContain(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('names the log file when the disk is full (the write error itself names none)', () => {
    // /dev/full opens like any file and fails every write with ENOSPC.
    const child = spawnSync(
      process.execPath,
      moduleSnippetArgs(
        `import { createServiceRuntime, logFileOrStderr } from '@lakestream/observability';
         const runtime = createServiceRuntime({
           service: 'full-disk',
           config: { logLevel: 'info', shutdownGraceMs: 5000 },
           logDestination: logFileOrStderr('/dev/full'),
         });
         setInterval(() => runtime.logger.info('working'), 20);`,
      ),
      { cwd: PACKAGE_DIR, encoding: 'utf8', timeout: 15_000 },
    );
    expect({ status: child.status, signal: child.signal }).toEqual({ status: 1, signal: null });
    expect(child.stderr).toMatch(
      /^full-disk: cannot write its log \(ENOSPC.*, \/dev\/full\); stopping$/m,
    );
  }, 30_000);
});
