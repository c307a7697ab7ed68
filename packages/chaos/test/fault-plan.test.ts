import { describe, expect, it } from 'vitest';
import { ARMED_FAULT_POINTS, FAULT_KINDS, planFaults } from '../src/fault-plan.js';

describe('planFaults', () => {
  it('is the same plan for the same seed, another for another seed', () => {
    const a = planFaults({ rows: 3000, seed: 7, long: false });
    expect(planFaults({ rows: 3000, seed: 7, long: false })).toEqual(a);
    expect(planFaults({ rows: 3000, seed: 8, long: false }).faults).not.toEqual(a.faults);
  });

  it('places every kind of fault in the short form, the database down 15 s', () => {
    const plan = planFaults({ rows: 3000, seed: 1, long: false });
    const kinds = new Set(plan.faults.map((f) => f.kind));
    for (const kind of FAULT_KINDS.filter((k) => k !== 'kill -9 at a fault point'))
      expect(kinds, kind).toContain(kind);
    expect(plan.armed).toEqual(ARMED_FAULT_POINTS);
    expect(plan.faults.find((f) => f.kind === 'PostgreSQL stopped')).toMatchObject({
      downMs: 15_000,
    });
    expect(plan.faults.every((f) => f.part < plan.parts)).toBe(true);
  });

  it('stops the database for 60 s and the broker twice in the long form', () => {
    const plan = planFaults({ rows: 20_000, seed: 1, long: true });
    expect(plan.faults.find((f) => f.kind === 'PostgreSQL stopped')).toMatchObject({
      downMs: 60_000,
    });
    expect(plan.faults.filter((f) => f.kind === 'broker stop/start')).toHaveLength(2);
    expect(plan.faults.filter((f) => f.kind === 'kill -9 at a random moment')).toHaveLength(12);
  });

  it('arms every dangerous moment the services agreed on', () => {
    expect(
      Object.values(ARMED_FAULT_POINTS)
        .flat()
        .map((p) => p.split('@')[0]),
    ).toEqual([
      'bronze-sink.after-put',
      'bronze-sink.before-cleanup-delete',
      'audit-sink.after-insert',
      'transformer.after-publish',
      'warehouse-loader.after-merge',
    ]);
  });
});
