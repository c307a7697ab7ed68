import { readFile } from 'node:fs/promises';
import { type ConfigError, describeConfig, loadConfig } from '@lakestream/config';
import { describe, expect, it } from 'vitest';
import { auditSinkConfig } from '../src/config.js';

describe('audit sink configuration', () => {
  it('needs only DATABASE_URL, and defaults to the pipeline’s topics and the bronze schema', () => {
    const config = loadConfig(auditSinkConfig, {
      DATABASE_URL: 'postgres://lakestream:s3cret@db:5432/lakestream',
    });
    expect(config).toMatchObject({
      topic: 'lakestream.order_items.v1',
      dlqTopic: 'lakestream.order_items.dlq.v1',
      groupId: 'lakestream-audit-sink',
      schema: 'bronze',
      migrate: true,
      maxBatchRows: 5_000,
      kafkaClientId: 'lakestream-audit-sink',
      kafkaBrokers: ['127.0.0.1:9092'],
    });
    expect(JSON.stringify(config)).not.toContain('s3cret');
  });

  it('lists every problem at once, never echoing the secret', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig(auditSinkConfig, {
        DATABASE_URL: 'mysql://user:s3cret@db/x',
        AUDIT_SINK_SCHEMA: 'bronze; drop table x',
        AUDIT_SINK_SESSION_TIMEOUT: '1s',
        AUDIT_SINK_MAX_BATCH_ROW: '10',
      });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error?.problems.map((p) => [p.variable, p.kind])).toEqual([
      ['DATABASE_URL', 'invalid'],
      ['AUDIT_SINK_SCHEMA', 'invalid'],
      ['AUDIT_SINK_SESSION_TIMEOUT', 'invalid'],
      ['AUDIT_SINK_MAX_BATCH_ROW', 'unknown'],
    ]);
    expect(error?.message).not.toContain('s3cret');
    expect(error?.message).toContain('did you mean AUDIT_SINK_MAX_BATCH_ROWS?');
  });

  it('is documented in the README from the same definition', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const documented = /<!-- config:start -->\n([\s\S]*?)<!-- config:end -->/.exec(readme)?.[1];
    expect(documented).toBe(describeConfig(auditSinkConfig));
  });
});
