import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { commonFields } from '../src/common-fields.js';
import { defineConfig, field } from '../src/define-config.js';
import { describeConfig } from '../src/describe-config.js';
import { envVar } from '../src/env-vars.js';

describe('describeConfig', () => {
  it('documents every field as a markdown table from the definition', () => {
    const definition = defineConfig({
      prefix: 'LAKESTREAM_LOADER_',
      fields: {
        logLevel: commonFields.logLevel,
        kafkaBrokers: commonFields.kafkaBrokers,
        shutdownGraceMs: commonFields.shutdownGraceMs,
        databaseUrl: field('DATABASE_URL', envVar.url({ protocols: ['postgres'] }), {
          doc: 'PostgreSQL connection URL.',
          secret: true,
        }),
        batch: field('LAKESTREAM_LOADER_BATCH', envVar.int({ min: 1 }).optional(), {
          doc: 'Rows per insert.',
        }),
        mode: field('LAKESTREAM_LOADER_MODE', z.enum(['append', 'merge']).default('merge'), {
          doc: 'Write mode.',
        }),
      },
    });
    expect(describeConfig(definition)).toBe(
      [
        '| Variable | Type | Default | Required | Secret | Description |',
        '| --- | --- | --- | --- | --- | --- |',
        '| `LOG_LEVEL` | trace\\|debug\\|info\\|warn\\|error\\|fatal | `info` | no | no | Minimum log level. |',
        '| `KAFKA_BROKERS` | host:port list | `127.0.0.1:9092` | no | no | Kafka bootstrap brokers. Example: `kafka-0:9092,kafka-1:9092` |',
        '| `SHUTDOWN_GRACE` | duration (500ms, 10s, 15m, 1h) | `10s` | no | no | Longest an orderly shutdown (stop intake, flush, commit, close) may take. |',
        '| `DATABASE_URL` | URL (postgres://) |  | yes | yes | PostgreSQL connection URL. |',
        '| `LAKESTREAM_LOADER_BATCH` | integer >= 1 |  | no | no | Rows per insert. |',
        '| `LAKESTREAM_LOADER_MODE` | append\\|merge | `merge` | no | no | Write mode. |',
        '',
        'Any other variable starting with `LAKESTREAM_LOADER_` is rejected as unknown.',
        '',
      ].join('\n'),
    );
  });
});
