import type { ConfigDefinition } from './define-config.js';

/** What a secret value prints as. */
export const REDACTED = '[redacted]';

/**
 * Redacts a secret value for printing. A URL keeps everything but its password and query
 * (`postgres://user:[redacted]@host/db`), which is what one needs to debug a connection;
 * anything else (and a URL with no password, whose secret part is unknown) becomes `[redacted]`.
 */
export function redactSecret(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecret);
  if (typeof value !== 'string') return REDACTED;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return REDACTED;
  }
  if (parsed.password === '' || parsed.host === '') return REDACTED;
  const query = parsed.search === '' ? '' : `?${REDACTED}`;
  return `${parsed.protocol}//${parsed.username}:${REDACTED}@${parsed.host}${parsed.pathname}${query}`;
}

/** A plain copy of a loaded config with every secret field's value redacted, safe to log or print. */
export function redactConfig(
  config: object,
  definition: ConfigDefinition,
): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    const spec = definition.fields[key];
    copy[key] = spec?.secret && value !== undefined ? redactSecret(value) : value;
  }
  return copy;
}
