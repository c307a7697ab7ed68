import { readFile } from 'node:fs/promises';
import { LakestreamError } from '@lakestream/config';
import { describe, expect, it } from 'vitest';
import { AUDIT_ERROR_CODES, classifyPostgresError, sqlState } from '../src/errors.js';

function pgError(code: string): Error {
  return Object.assign(new Error(`server said ${code}`), { code });
}

describe('classifyPostgresError', () => {
  it.each([
    ['08006', 'LS_AUDIT_PG_UNAVAILABLE'], // connection failure
    ['08P01', 'LS_AUDIT_PG_UNAVAILABLE'],
    ['53300', 'LS_AUDIT_PG_UNAVAILABLE'], // too many connections
    ['57P01', 'LS_AUDIT_PG_UNAVAILABLE'], // admin shutdown (pg_terminate_backend)
    ['57P03', 'LS_AUDIT_PG_UNAVAILABLE'], // cannot connect now (starting up)
    ['40001', 'LS_AUDIT_PG_BUSY'], // serialization failure
    ['40P01', 'LS_AUDIT_PG_BUSY'], // deadlock
    ['55P03', 'LS_AUDIT_PG_BUSY'], // lock timeout
    ['57014', 'LS_AUDIT_PG_BUSY'], // statement timeout
  ])('retries SQLSTATE %s as %s', (code, expected) => {
    const err = classifyPostgresError(pgError(code), 'writing');
    expect(err).toBeInstanceOf(LakestreamError);
    expect({ code: err.code, retryable: err.retryable }).toEqual({
      code: expected,
      retryable: true,
    });
    expect(err.details).toEqual({ sqlState: code });
  });

  it.each([
    ['22P02', 'LS_AUDIT_PG_REJECTED_DATA'], // invalid text representation
    ['22003', 'LS_AUDIT_PG_REJECTED_DATA'], // numeric out of range
    ['54001', 'LS_AUDIT_PG_REJECTED_DATA'], // statement too complex (nesting)
    ['42P01', 'LS_AUDIT_PG_FAILED'], // undefined table
    ['42501', 'LS_AUDIT_PG_FAILED'], // insufficient privilege
    ['23505', 'LS_AUDIT_PG_FAILED'], // unique violation (ON CONFLICT should make it impossible)
  ])('does not retry SQLSTATE %s (%s)', (code, expected) => {
    const err = classifyPostgresError(pgError(code), 'writing');
    expect({ code: err.code, retryable: err.retryable }).toEqual({
      code: expected,
      retryable: false,
    });
  });

  it.each([
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
    Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
    new Error('Connection terminated unexpectedly'),
    new Error('timeout exceeded when trying to connect'),
    new Error('Client has encountered a connection error and is not queryable'),
  ])('retries the client-side failure "%s"', (cause) => {
    const err = classifyPostgresError(cause, 'writing');
    expect({ code: err.code, retryable: err.retryable, cause: err.cause }).toEqual({
      code: 'LS_AUDIT_PG_UNAVAILABLE',
      retryable: true,
      cause,
    });
    expect(err.message).toBe(`writing: ${cause.message}`);
  });

  it('treats an unknown failure as permanent', () => {
    expect(classifyPostgresError(new TypeError('bug'), 'writing').retryable).toBe(false);
    expect(sqlState(new Error('x'))).toBeUndefined();
    expect(sqlState(pgError('ECONNRESET'))).toBeUndefined();
  });
});

describe('error codes', () => {
  it('are each documented in the README', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    for (const code of AUDIT_ERROR_CODES) expect(readme).toContain(`| \`${code}\` |`);
  });
});
