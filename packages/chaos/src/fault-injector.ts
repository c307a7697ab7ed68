import { setTimeout as sleep } from 'node:timers/promises';
import { consumerLag } from '@lakestream/kafka';
import type { Kafka } from 'kafkajs';
import type { FaultKind, PlannedFault } from './fault-plan.js';
import type { FlakyStoreProxy } from './flaky-store-proxy.js';
import type { Pipeline } from './pipeline.js';
import { consumedTopics, SESSION_TIMEOUT } from './pipeline-layout.js';
import type { PrivateStack } from './private-stack.js';

/** A fault that happened, and how long the pipeline took to absorb it. */
export interface InjectedFault {
  kind: FaultKind;
  detail: string;
  /** When it began and ended (ms since the epoch); a kill ends when it begins. */
  at: number;
  endedAt: number;
  /**
   * Seconds from the fault's end until every stage had made durable everything produced before
   * that end (each consumer group's committed offsets at or past the topic ends of that moment).
   */
  recoveredAfterS?: number;
}

interface Pending {
  fault: InjectedFault;
  ends: Map<string, Map<number, number>>;
}

/**
 * Carries out planned faults on a running pipeline, notices the fault points it killed itself at,
 * and measures each fault's time to recover.
 */
export class FaultInjector {
  readonly injected: InjectedFault[] = [];
  #pending: Pending[] = [];
  #seenExits = 0;
  #stopped = false;
  #loop: Promise<void> | undefined;

  constructor(
    private readonly pipeline: Pipeline,
    private readonly stack: PrivateStack,
    private readonly proxy: FlakyStoreProxy,
    private readonly kafka: Kafka,
    private readonly say: (message: string) => void,
  ) {}

  /** Starts watching for fault-point kills and for recoveries. */
  start(): void {
    this.#loop = (async () => {
      while (!this.#stopped) {
        await this.#noticeFaultPoints();
        await this.#checkRecoveries().catch(() => {});
        await sleep(1_000);
      }
    })();
  }

  /** Stops watching; faults not recovered by now stay without a recovery time. */
  async stop(): Promise<void> {
    await this.#noticeFaultPoints();
    await this.#checkRecoveries().catch(() => {});
    this.#stopped = true;
    await this.#loop;
  }

  /** Carries out one planned fault (resolves when it is over). */
  async inject(fault: PlannedFault): Promise<void> {
    const at = Date.now();
    switch (fault.kind) {
      case 'kill -9 at a random moment': {
        const target = this.pipeline.processes.get(fault.service)?.find((p) => p.running);
        if (!target?.kill9()) {
          this.say(`fault: ${fault.service} was not running at its kill moment; skipped`);
          return;
        }
        return this.#done(
          fault.kind,
          `${target.name}, ${((at - this.#partStart) / 1000).toFixed(1)} s into part ${fault.part + 1}`,
          at,
        );
      }
      case 'broker stop/start': {
        await this.stack.stop('kafka');
        await sleep(2_000);
        await this.stack.start('kafka');
        return this.#done(
          fault.kind,
          `after part ${fault.part + 1}, down ${((Date.now() - at) / 1000).toFixed(1)} s`,
          at,
        );
      }
      case 'PostgreSQL stopped': {
        await this.stack.stop('postgres');
        await sleep(fault.downMs);
        await this.stack.start('postgres');
        return this.#done(fault.kind, `down ${((Date.now() - at) / 1000).toFixed(1)} s`, at);
      }
      case 'object store 503 burst': {
        // A burst counts once it refused something: while the services are between requests it
        // is stretched, up to eight times its length.
        const refused = this.proxy.stats.refused;
        for (let i = 0; i < 8 && this.proxy.stats.refused === refused; i++) {
          this.proxy.burst(fault.burstMs);
          await sleep(fault.burstMs);
        }
        const count = this.proxy.stats.refused - refused;
        if (count === 0) {
          this.say('fault: the object store burst met no request; not counted');
          return;
        }
        return this.#done(
          fault.kind,
          `${((Date.now() - at) / 1000).toFixed(1)} s, ${count} request(s) refused`,
          at,
        );
      }
      case 'frozen old owner resumed':
        return this.#freezeOwner(at);
    }
  }

  #partStart = Date.now();

  /** Marks the start of a producer part (kill moments are reported relative to it). */
  partStarted(): void {
    this.#partStart = Date.now();
  }

  /**
   * SIGSTOP the bronze sink, start a second instance that takes its partitions once the frozen
   * one's session expires, let the new owner commit, then SIGCONT the old one: it wakes up with
   * buffers, offsets and leftovers from before, and must not publish, commit or delete anything.
   */
  async #freezeOwner(at: number): Promise<void> {
    const old = this.pipeline.processes.get('bronze-sink')?.find((p) => p.running);
    if (!old?.freeze()) {
      this.say('fault: no bronze sink running to freeze; skipped');
      return;
    }
    const { group, topic } = consumedTopics(this.pipeline.layout)[0]!;
    const before = await committedTotal(this.kafka, group, topic).catch(() => 0);
    const owner = this.pipeline.addInstance('bronze-sink');
    const sessionMs = Number.parseInt(SESSION_TIMEOUT, 10) * 1000;
    // The frozen member must have been evicted (session timeout) and the new owner must have
    // committed objects of its own before the old one wakes up.
    const deadline = Date.now() + sessionMs * 3 + 20_000;
    await sleep(sessionMs * 1.5);
    while (Date.now() < deadline) {
      const now = await committedTotal(this.kafka, group, topic).catch(() => before);
      if (now > before) break;
      await sleep(500);
    }
    old.thaw();
    return this.#done(
      'frozen old owner resumed',
      `${old.name} frozen ${((Date.now() - at) / 1000).toFixed(1)} s while ${owner.name} took over`,
      at,
    );
  }

  async #done(kind: FaultKind, detail: string, at: number): Promise<void> {
    const fault: InjectedFault = { kind, detail, at, endedAt: Date.now() };
    this.injected.push(fault);
    this.say(`fault: ${kind} – ${detail}`);
    await this.#watch(fault);
  }

  /** Snapshots the topic ends at the fault's end: recovered once every group has committed them. */
  async #watch(fault: InjectedFault): Promise<void> {
    const ends = new Map<string, Map<number, number>>();
    for (let attempt = 0; attempt < 30; attempt++) {
      try {
        for (const { group, topic } of consumedTopics(this.pipeline.layout)) {
          const lag = await consumerLag(this.kafka, group, topic);
          ends.set(`${group}\u0000${topic}`, new Map(lag.map((p) => [p.partition, p.end])));
        }
        this.#pending.push({ fault, ends });
        return;
      } catch {
        await sleep(1_000);
      }
    }
  }

  async #noticeFaultPoints(): Promise<void> {
    const exits = this.pipeline.exits;
    while (this.#seenExits < exits.length) {
      const exit = exits[this.#seenExits++]!;
      if (exit.faultPoint) {
        await this.#done(
          'kill -9 at a fault point',
          `${exit.service} at ${exit.faultPoint}`,
          exit.at,
        );
      }
    }
  }

  async #checkRecoveries(): Promise<void> {
    for (const pending of [...this.#pending]) {
      let recovered = true;
      for (const [id, ends] of pending.ends) {
        const [group, topic] = id.split('\u0000') as [string, string];
        const lag = await consumerLag(this.kafka, group, topic);
        const committed = new Map(lag.map((p) => [p.partition, p.committed]));
        if ([...ends].some(([p, end]) => end > 0 && (committed.get(p) ?? -1) < end)) {
          recovered = false;
          break;
        }
      }
      if (recovered) {
        pending.fault.recoveredAfterS = (Date.now() - pending.fault.endedAt) / 1000;
        this.#pending.splice(this.#pending.indexOf(pending), 1);
      }
    }
  }
}

async function committedTotal(kafka: Kafka, group: string, topic: string): Promise<number> {
  const lag = await consumerLag(kafka, group, topic);
  return lag.reduce((n, p) => n + Math.max(0, p.committed), 0);
}
