import { describe, expect, it } from 'vitest';
import {
  type EurostatUpdateEvent,
  EurostatUpdateEventSchema,
  eurostatBronzeKey,
  eurostatKeyTime,
  eurostatObservationsTable,
  eurostatSilverPrefix,
  eurostatUpdateKey,
  eurostatUpdateTime,
  parseEurostatUpdateEvent,
} from '../src/index.js';

const event: EurostatUpdateEvent = {
  version: 1,
  code: 'hlth_cd_aro',
  update_time: '2024-05-01T09:00:00Z',
  changed: 'data',
  source: 'feed',
  force: false,
  detected_at: '2024-05-01T12:30:00.123Z',
};

describe('eurostat update event', () => {
  it('parses from a message value and is keyed by its code', () => {
    expect(parseEurostatUpdateEvent(Buffer.from(JSON.stringify(event)))).toEqual(event);
    expect(eurostatUpdateKey('HLTH_CD_ARO')).toBe('hlth_cd_aro');
  });

  it('refuses an unknown field, an upper-case code, a local time and an unknown change', () => {
    for (const bad of [
      { ...event, extra: 1 },
      { ...event, code: 'HLTH_CD_ARO' },
      { ...event, update_time: '2024-05-01T11:00:00+0200' },
      { ...event, changed: 'metadata' },
      { ...event, source: 'cron' },
      { ...event, version: 2 },
    ]) {
      expect(EurostatUpdateEventSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
});

describe('eurostat names', () => {
  it('writes update times in UTC whatever offset Eurostat gives', () => {
    expect(eurostatUpdateTime('2024-05-01T11:00:00+0200')).toBe('2024-05-01T09:00:00Z');
    expect(eurostatUpdateTime('2024-05-01T11:00:00+02:00')).toBe('2024-05-01T09:00:00Z');
    expect(eurostatUpdateTime(new Date('2024-05-01T09:00:00.999Z'))).toBe('2024-05-01T09:00:00Z');
    expect(eurostatKeyTime('2024-05-01T11:00:00+0200')).toBe('20240501T090000Z');
    expect(() => eurostatUpdateTime('yesterday')).toThrow(RangeError);
  });

  it('keys bronze by code and update time, silver and tables by code', () => {
    expect(eurostatBronzeKey('HLTH_CD_ARO', '2024-05-01T11:00:00+0200')).toBe(
      'bronze/eurostat/hlth_cd_aro/20240501T090000Z.json.gz',
    );
    expect(eurostatSilverPrefix('hlth_cd_aro')).toBe('silver/eurostat/hlth_cd_aro/');
    expect(eurostatObservationsTable('DEMO_R_D2JAN')).toBe('observations_demo_r_d2jan');
    expect(() => eurostatBronzeKey('../x', '2024-05-01T09:00:00Z')).toThrow(RangeError);
    expect(() => eurostatObservationsTable('a;drop')).toThrow(RangeError);
  });
});
