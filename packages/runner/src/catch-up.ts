import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka } from 'kafkajs';
import { STREAMING_GROUPS, type StageGroup, stageLags } from './streaming-counts.js';

/** Options of `waitForGroups`. */
export interface CatchUpOptions {
  timeoutMs: number;
  /** When the run began (`performance.now()`): catch-up times are measured from it. */
  began: number;
  /** Ends the wait early (interrupted, or a stage's process died). */
  signal?: AbortSignal;
  /** Progress lines for a person, every `progressMs` (default 5 s) while some stage is behind. */
  say: (message: string) => void;
  progressMs?: number;
  /** Time between two looks at the groups' lag; default 250 ms. */
  pollMs?: number;
}

/** Where the streaming stages got to. */
export interface CatchUpResult {
  /** Per stage that caught up: seconds since `began` at which its lag first reached 0. */
  caughtUp: Map<string, number>;
  /** Per stage still behind when the wait ended: its lag (records not yet committed). */
  behind: Map<string, number>;
}

/**
 * Polls the groups' committed lag until every stage has reached the end of its topic, `timeoutMs`
 * passes or `signal` aborts, saying every few seconds how many records each stage is behind.
 */
export async function waitForGroups(
  kafka: Kafka,
  groups: readonly StageGroup[],
  options: CatchUpOptions,
): Promise<CatchUpResult> {
  const { signal, say } = options;
  const progressMs = options.progressMs ?? 5_000;
  const caughtUp = new Map<string, number>();
  const behind = new Map<string, number>(groups.map((g) => [g.stage, Number.NaN]));
  const deadline = Date.now() + options.timeoutMs;
  let nextProgress = Date.now() + progressMs;
  while (caughtUp.size < groups.length && Date.now() < deadline && !signal?.aborted) {
    for (const lag of await stageLags(kafka, groups)) {
      behind.set(lag.stage, lag.lag);
      if (lag.lag === 0 && !caughtUp.has(lag.stage))
        caughtUp.set(lag.stage, (performance.now() - options.began) / 1000);
    }
    if (caughtUp.size === groups.length) break;
    if (Date.now() >= nextProgress) {
      nextProgress = Date.now() + progressMs;
      say(
        `waiting: ${groups
          .map((g) =>
            caughtUp.has(g.stage)
              ? `${g.stage} caught up`
              : `${g.stage} ${(behind.get(g.stage) ?? 0).toLocaleString('en')} behind`,
          )
          .join(', ')}`,
      );
    }
    await sleep(options.pollMs ?? 250, undefined, signal ? { signal } : {}).catch(() => {});
  }
  for (const stage of caughtUp.keys()) behind.delete(stage);
  return { caughtUp, behind };
}

/**
 * Waits until every stage's group has committed up to the end of its topic, i.e. everything
 * produced is durable in that stage's store. Rejects after `timeoutMs` naming the stages behind;
 * an aborted `signal` ends the wait at once without an error (the caller knows it was stopped).
 */
export async function waitForCatchUp(
  kafka: Kafka,
  {
    groups = STREAMING_GROUPS,
    timeoutMs = 300_000,
    intervalMs = 500,
    say = () => {},
    signal,
  }: {
    groups?: readonly StageGroup[];
    timeoutMs?: number;
    intervalMs?: number;
    say?: (message: string) => void;
    signal?: AbortSignal;
  } = {},
): Promise<void> {
  const { behind } = await waitForGroups(kafka, groups, {
    timeoutMs,
    began: performance.now(),
    pollMs: intervalMs,
    say,
    ...(signal ? { signal } : {}),
  });
  if (behind.size === 0 || signal?.aborted) return;
  throw new Error(
    `stages still behind after ${timeoutMs} ms: ${[...behind].map(([stage, lag]) => `${stage} (${lag} messages)`).join(', ')}`,
  );
}

/**
 * Waits until each consumer group has a member and is not rebalancing (a worker just started has
 * joined and been given its partitions). Rejects after `timeoutMs` naming the groups still empty;
 * an aborted `signal` ends the wait at once without an error.
 */
export async function waitForMembers(
  kafka: Kafka,
  groupIds: readonly string[],
  { timeoutMs, signal, pollMs = 250 }: { timeoutMs: number; signal?: AbortSignal; pollMs?: number },
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    let waiting = [...groupIds];
    while (!signal?.aborted) {
      const { groups } = await admin.describeGroups(waiting);
      waiting = groups
        .filter((g) => g.state !== 'Stable' || g.members.length === 0)
        .map((g) => g.groupId);
      if (waiting.length === 0) return;
      if (Date.now() >= deadline)
        throw new Error(`no member in group(s) ${waiting.join(', ')} after ${timeoutMs} ms`);
      await sleep(pollMs, undefined, signal ? { signal } : {}).catch(() => {});
    }
  } finally {
    await admin.disconnect();
  }
}
