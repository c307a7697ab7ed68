import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A long-lived service a run depends on, as `commands.sh` runs it in the background. */
export interface WatchedService {
  stage: string;
  /** Holds the process id (`$LAKESTREAM_HOME/run/<name>.pid`). */
  pidFile: string;
  /** Holds the port its /healthz answers on, once listening (`$LAKESTREAM_HOME/run/<name>.port`). */
  portFile: string;
  /** Where its logs go (`$LAKESTREAM_HOME/logs/<name>.log`). */
  logFile: string;
}

/** The files `commands.sh start_background` keeps for service `name` in `home`. */
export function backgroundService(home: string, name: string): WatchedService {
  return {
    stage: name,
    pidFile: join(home, 'run', `${name}.pid`),
    portFile: join(home, 'run', `${name}.port`),
    logFile: join(home, 'logs', `${name}.log`),
  };
}

/** Why a watched service no longer serves the run. */
export interface ServiceFailure {
  stage: string;
  reason: string;
  logFile: string;
  /** Its last log lines, shortened for a terminal. */
  logTail: string[];
}

/** Options of `superviseServices`. */
export interface SupervisionOptions {
  services: readonly WatchedService[];
  /** How often each service is checked; default 1 s. */
  intervalMs?: number;
  /** A service whose /healthz has not answered for this long counts as dead; default 20 s. */
  unresponsiveMs?: number;
  /** Time one /healthz request may take; default 2 s. */
  healthTimeoutMs?: number;
  /** Log lines kept in a failure; default 5. */
  tailLines?: number;
}

/** A running supervision. */
export interface Supervision {
  /** Aborted, with the `ServiceFailure` as reason, when a watched service dies or stops answering. */
  readonly signal: AbortSignal;
  /** The first failure seen, if any. */
  failure(): ServiceFailure | undefined;
  /** Stops watching; safe to call more than once. */
  close(): void;
}

/**
 * Watches the services a run depends on: each must have a live process (its pid file's process
 * exists) and, once it has recorded its port, answer /healthz. The first one that dies, loses its
 * pid file (stopped) or stops answering for `unresponsiveMs` aborts `signal`, so every wait of the
 * run ends at once instead of at its timeout.
 */
export function superviseServices(options: SupervisionOptions): Supervision {
  const intervalMs = options.intervalMs ?? 1_000;
  const unresponsiveMs = options.unresponsiveMs ?? 20_000;
  const healthTimeoutMs = options.healthTimeoutMs ?? 2_000;
  const controller = new AbortController();
  const lastAnswer = new Map(options.services.map((s) => [s.stage, Date.now()]));
  let failure: ServiceFailure | undefined;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  const check = async (service: WatchedService): Promise<string | undefined> => {
    const pid = Number.parseInt(await readFile(service.pidFile, 'utf8').catch(() => ''), 10);
    if (!Number.isInteger(pid) || pid <= 0) return `it was stopped (no pid in ${service.pidFile})`;
    if (!isAlive(pid)) return `its process (pid ${pid}) has exited`;
    const port = Number.parseInt(await readFile(service.portFile, 'utf8').catch(() => ''), 10);
    // No port recorded yet: it is still starting; the process check above is all there is.
    if (!Number.isInteger(port) || port <= 0) return undefined;
    const answered = await fetch(`http://127.0.0.1:${port}/healthz`, {
      signal: AbortSignal.timeout(healthTimeoutMs),
    }).then(
      (res) => res.ok,
      () => false,
    );
    if (answered) lastAnswer.set(service.stage, Date.now());
    const silentMs = Date.now() - (lastAnswer.get(service.stage) ?? Date.now());
    if (silentMs >= unresponsiveMs)
      return `its process (pid ${pid}) has not answered http://127.0.0.1:${port}/healthz for ${Math.round(silentMs / 1000)} s`;
    return undefined;
  };

  const round = async () => {
    for (const service of options.services) {
      const reason = await check(service);
      if (closed || reason === undefined) continue;
      failure = {
        stage: service.stage,
        reason,
        logFile: service.logFile,
        logTail: await logTail(service.logFile, options.tailLines ?? 5),
      };
      controller.abort(failure);
      return;
    }
    if (!closed) timer = setTimeout(() => void round(), intervalMs);
  };
  if (options.services.length > 0) void round();

  return {
    signal: controller.signal,
    failure: () => failure,
    close() {
      closed = true;
      clearTimeout(timer);
    },
  };
}

/** Whether a process with this id exists (EPERM: it exists, owned by someone else). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const TAIL_BYTES = 64 * 1024;
const LINE_CHARS = 240;

/**
 * The last `lines` lines of a log file, each made readable: a pino JSON line becomes
 * `<level>: <msg>: <err.message>`, anything else is kept as it is; each is cut at 240 characters.
 */
export async function logTail(path: string, lines: number): Promise<string[]> {
  let text: string;
  try {
    const file = await open(path, 'r');
    try {
      const { size } = await file.stat();
      const length = Math.min(size, TAIL_BYTES);
      const buffer = Buffer.alloc(length);
      await file.read(buffer, 0, length, size - length);
      text = buffer.toString('utf8');
    } finally {
      await file.close();
    }
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(-lines)
    .map((line) => readableLogLine(line).slice(0, LINE_CHARS));
}

const PINO_LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

function readableLogLine(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
    const level = PINO_LEVELS[entry.level ?? 0] ?? String(entry.level ?? '');
    return [level, entry.msg, entry.err?.message].filter(Boolean).join(': ');
  } catch {
    return line;
  }
}
