import {
  commonFields,
  defineConfig,
  envVar,
  field,
  LakestreamError,
  loadConfig,
} from '@lakestream/config';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { captureLogs } from './capture-logs.js';

describe('createLogger', () => {
  it('writes JSON lines with service, level name and ISO time', () => {
    const { stream, lines } = captureLogs();
    const logger = createLogger({ service: 'producer', destination: stream });
    logger.info({ topic: 'orders' }, 'started');
    logger.debug('not written at the default level');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      service: 'producer',
      level: 'info',
      topic: 'orders',
      msg: 'started',
      pid: process.pid,
    });
    expect(new Date(lines[0]!.time as string).toISOString()).toBe(lines[0]!.time);
  });

  it('honours the level', () => {
    const { stream, lines } = captureLogs();
    const logger = createLogger({ service: 's', level: 'debug', destination: stream });
    logger.debug('kept');
    logger.trace('dropped');
    expect(lines.map((line) => line.msg)).toEqual(['kept']);
  });

  it('serializes err with type, message, stack, code and cause', () => {
    const { stream, lines } = captureLogs();
    const logger = createLogger({ service: 's', destination: stream });
    const err = new LakestreamError('LS_TEST_BROKEN', 'broker unreachable', {
      retryable: true,
      cause: new Error('ECONNREFUSED'),
    });
    logger.error({ err }, 'send failed');
    expect(lines[0]!.err).toMatchObject({
      type: 'LakestreamError',
      message: expect.stringContaining('broker unreachable'),
      stack: expect.stringContaining('broker unreachable'),
      code: 'LS_TEST_BROKEN',
      retryable: true,
    });
    expect(JSON.stringify(lines[0]!.err)).toContain('ECONNREFUSED');
  });

  it('redacts secrets at the top level and nested', () => {
    const { stream, lines } = captureLogs();
    const logger = createLogger({ service: 's', destination: stream, redact: ['order.email'] });
    logger.info(
      {
        password: 'pw-top',
        DATABASE_URL: 'postgres://u:pw-url@db/lake',
        db: { credentials: 'creds-1', host: 'db' },
        req: { headers: { authorization: 'Bearer tok-1', accept: 'json' } },
        order: { email: 'a@example.com', id: 7 },
      },
      'connect',
    );
    const text = JSON.stringify(lines[0]);
    for (const secret of ['pw-top', 'pw-url', 'creds-1', 'tok-1', 'a@example.com']) {
      expect(text).not.toContain(secret);
    }
    expect(lines[0]).toMatchObject({
      password: '[redacted]',
      db: { credentials: '[redacted]', host: 'db' },
      req: { headers: { authorization: '[redacted]', accept: 'json' } },
      order: { id: 7 },
    });
  });

  it('logs a loaded config with every secret redacted', () => {
    const definition = defineConfig({
      fields: {
        logLevel: commonFields.logLevel,
        databaseUrl: field('DATABASE_URL', envVar.url(), { doc: 'DB.', secret: true }),
        gcsKey: field('GCS_KEY', envVar.string(), { doc: 'Key.', secret: true }),
      },
    });
    const config = loadConfig(definition, {
      DATABASE_URL: 'postgres://u:pw-url@db/lake',
      GCS_KEY: 'key-123',
    });
    const { stream, lines } = captureLogs();
    createLogger({ service: 's', destination: stream }).info({ config }, 'config loaded');
    const text = JSON.stringify(lines[0]);
    expect(text).not.toContain('pw-url');
    expect(text).not.toContain('key-123');
    expect(lines[0]!.config).toMatchObject({ logLevel: 'info', gcsKey: '[redacted]' });
  });
});
