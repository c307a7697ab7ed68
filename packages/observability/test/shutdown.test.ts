import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '../src/logger.js';
import { createShutdown } from '../src/shutdown.js';
import { captureLogs } from './capture-logs.js';

function setup(graceMs = 1_000) {
  const logs = captureLogs();
  const logger = createLogger({ service: 'test', destination: logs.stream });
  return { shutdown: createShutdown({ logger, graceMs }), logs };
}

describe('createShutdown', () => {
  it('runs hooks one at a time in the order added', async () => {
    const { shutdown } = setup();
    const events: string[] = [];
    const step = (name: string) => async () => {
      events.push(`${name}:start`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      events.push(`${name}:end`);
    };
    shutdown.add('stop intake', step('intake'));
    shutdown.add('flush', step('flush'));
    shutdown.add('commit offsets', step('commit'));
    shutdown.add('close clients', () => {
      events.push('close');
    });
    const result = await shutdown.run('test');
    expect(events).toEqual([
      'intake:start',
      'intake:end',
      'flush:start',
      'flush:end',
      'commit:start',
      'commit:end',
      'close',
    ]);
    expect(result).toEqual({ exitCode: 0, reason: 'test', failedHooks: [], skippedHooks: [] });
  });

  it('logs a throwing hook with { err } and still runs the rest, exiting 1', async () => {
    const { shutdown, logs } = setup();
    const closed = vi.fn();
    shutdown.add('flush', () => {
      throw new Error('flush exploded');
    });
    shutdown.add('close clients', closed);
    const result = await shutdown.run('test');
    expect(closed).toHaveBeenCalledOnce();
    expect(result).toMatchObject({ exitCode: 1, failedHooks: ['flush'] });
    const failure = logs.lines.find((line) => line.hook === 'flush' && line.level === 'error');
    expect(failure?.err).toMatchObject({ message: 'flush exploded', type: 'Error' });
  });

  it('gives up on a stuck hook when the grace period runs out, naming it', async () => {
    const { shutdown, logs } = setup(50);
    const never = vi.fn();
    shutdown.add('stop intake', () => {});
    shutdown.add('flush', () => new Promise<void>(() => {}));
    shutdown.add('close clients', never);
    const started = Date.now();
    const result = await shutdown.run('test');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(result).toEqual({
      exitCode: 1,
      reason: 'test',
      failedHooks: [],
      stuckHook: 'flush',
      skippedHooks: ['close clients'],
    });
    expect(never).not.toHaveBeenCalled();
    const line = logs.lines.find((l) => l.msg === 'shutdown grace period exceeded');
    expect(line).toMatchObject({ hook: 'flush', err: { code: 'LS_SHUTDOWN_TIMEOUT' } });
  });

  it('run() is idempotent: a second call returns the same promise and hooks run once', async () => {
    const { shutdown } = setup();
    const hook = vi.fn();
    shutdown.add('close', hook);
    expect(shutdown.started).toBe(false);
    const first = shutdown.run('first');
    const second = shutdown.run('second');
    expect(second).toBe(first);
    expect(shutdown.started).toBe(true);
    expect((await second).reason).toBe('first');
    expect(hook).toHaveBeenCalledOnce();
  });

  it('runs a hook added while the sequence is running; ignores one added after it ended', async () => {
    const { shutdown } = setup();
    const late = vi.fn();
    shutdown.add('first', () => shutdown.add('late', late));
    await shutdown.run('test');
    expect(late).toHaveBeenCalledOnce();
    const tooLate = vi.fn();
    shutdown.add('too late', tooLate);
    await shutdown.run('again');
    expect(tooLate).not.toHaveBeenCalled();
  });
});

describe('installSignalHandlers', () => {
  function fakeProcess() {
    const emitter = new EventEmitter();
    const exit = vi.fn<(code: number) => void>();
    return Object.assign(emitter, { exit });
  }

  it('runs the shutdown on SIGTERM and exits 0 when clean', async () => {
    const { shutdown } = setup();
    const proc = fakeProcess();
    const hook = vi.fn();
    shutdown.add('close', hook);
    shutdown.installSignalHandlers(proc);
    proc.emit('SIGTERM', 'SIGTERM');
    await vi.waitFor(() => expect(proc.exit).toHaveBeenCalledWith(0));
    expect(hook).toHaveBeenCalledOnce();
    expect((await shutdown.run('ignored')).reason).toBe('SIGTERM');
  });

  it('exits 1 on SIGINT when a hook fails', async () => {
    const { shutdown } = setup();
    const proc = fakeProcess();
    shutdown.add('close', () => Promise.reject(new Error('nope')));
    shutdown.installSignalHandlers(proc);
    proc.emit('SIGINT', 'SIGINT');
    await vi.waitFor(() => expect(proc.exit).toHaveBeenCalledWith(1));
  });

  it('exits at once with 1 on a second signal, and can be uninstalled', async () => {
    const { shutdown } = setup();
    const proc = fakeProcess();
    shutdown.add('slow', () => new Promise<void>((resolve) => setTimeout(resolve, 100)));
    const uninstall = shutdown.installSignalHandlers(proc);
    proc.emit('SIGINT', 'SIGINT');
    proc.emit('SIGINT', 'SIGINT');
    expect(proc.exit).toHaveBeenCalledWith(1);
    uninstall();
    expect(proc.listenerCount('SIGINT')).toBe(0);
    expect(proc.listenerCount('SIGTERM')).toBe(0);
    await shutdown.run('done');
  });

  it('accepts the real process object', () => {
    const { shutdown } = setup();
    const before = process.listenerCount('SIGTERM');
    const uninstall = shutdown.installSignalHandlers();
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    uninstall();
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });
});
