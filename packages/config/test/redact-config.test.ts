import { describe, expect, it } from 'vitest';
import { defineConfig, field } from '../src/define-config.js';
import { envVar } from '../src/env-vars.js';
import { redactConfig, redactSecret } from '../src/redact-config.js';

describe('redactSecret', () => {
  it('keeps a URL but its password (and query)', () => {
    expect(redactSecret('postgres://user:pw@host:5432/db')).toBe(
      'postgres://user:[redacted]@host:5432/db',
    );
    expect(redactSecret('https://u:p@example.com/x?token=abc')).toBe(
      'https://u:[redacted]@example.com/x?[redacted]',
    );
  });

  it('redacts whole values that are not URLs with a password', () => {
    expect(redactSecret('plain-token')).toBe('[redacted]');
    expect(redactSecret('https://example.com/?key=abc')).toBe('[redacted]');
    expect(redactSecret(42)).toBe('[redacted]');
    expect(redactSecret(['a', 'postgres://u:p@h/d'])).toEqual([
      '[redacted]',
      'postgres://u:[redacted]@h/d',
    ]);
  });
});

describe('redactConfig', () => {
  it('returns a plain copy with only secret fields redacted', () => {
    const definition = defineConfig({
      fields: {
        user: field('USER_NAME', envVar.string(), { doc: 'User.' }),
        password: field('USER_PASSWORD', envVar.string(), { doc: 'Password.', secret: true }),
        token: field('USER_TOKEN', envVar.string().optional(), { doc: 'Token.', secret: true }),
      },
    });
    expect(redactConfig({ user: 'ann', password: 'pw', token: undefined }, definition)).toEqual({
      user: 'ann',
      password: '[redacted]',
      token: undefined,
    });
  });
});
