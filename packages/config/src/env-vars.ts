import { z } from 'zod';

/**
 * Schemas that turn one environment-variable string into a typed value.
 *
 * Every schema here takes the raw (already non-empty) string and reports problems WITHOUT echoing
 * the value: `loadConfig` appends "got '…'" itself, and leaves it out for secret fields, so no
 * schema can leak a secret into an error message.
 */

/** Metadata describing a variable's accepted format, read by `describeConfig`. */
export interface EnvVarTypeMeta {
  /** Human-readable format, e.g. `duration (500ms, 10s, 15m, 1h)`. */
  type: string;
}

/** Registry of format descriptions for the schemas built here; `describeConfig` reads it. */
export const envVarTypes = z.registry<EnvVarTypeMeta>();

/** Bounds for an integer variable (inclusive). */
export interface IntBounds {
  /** Smallest accepted value. */
  min?: number;
  /** Largest accepted value. */
  max?: number;
}

const INTEGER = /^[+-]?\d+$/;

function describeBounds(
  what: string,
  { min, max }: IntBounds,
  format: (value: number) => string = String,
): string {
  if (min !== undefined && max !== undefined) {
    return `${what} between ${format(min)} and ${format(max)}`;
  }
  if (min !== undefined) return `${what} >= ${format(min)}`;
  if (max !== undefined) return `${what} <= ${format(max)}`;
  return what;
}

function withinBounds(value: number, { min, max }: IntBounds): boolean {
  return (min === undefined || value >= min) && (max === undefined || value <= max);
}

/** A schema from the raw env string, registered with its format description. */
function fromString<T>(
  type: string,
  parse: (text: string, fail: (message: string) => typeof z.NEVER) => T,
) {
  return z
    .string()
    .transform((raw, ctx): T => {
      const fail = (message: string) => {
        ctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      };
      return parse(raw.trim(), fail);
    })
    .register(envVarTypes, { type });
}

/** Integer with optional inclusive bounds, e.g. `BATCH_SIZE=500`. */
function int(bounds: IntBounds = {}) {
  const expected = describeBounds('an integer', bounds);
  return fromString(describeBounds('integer', bounds), (text, fail) => {
    if (!INTEGER.test(text)) return fail(`expected ${expected}`);
    const value = Number(text);
    if (!Number.isSafeInteger(value) || !withinBounds(value, bounds)) {
      return fail(`expected ${expected}`);
    }
    return value;
  });
}

/** TCP port 0–65535; 0 asks the OS for an ephemeral port. */
function port() {
  return int({ min: 0, max: 65535 });
}

const DURATION_UNITS_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

/**
 * Parses `500ms`, `10s`, `15m`, `1h`, `1d` or a compound like `1h30m` into milliseconds;
 * returns undefined when the text is not a duration. A unit is required: a bare `500` is
 * ambiguous (ms or s?), and guessing wrong is a silent 1000x error.
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!DURATION.test(trimmed)) return undefined;
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(DURATION_PART)) {
    total += Number(amount) * DURATION_UNITS_MS[unit!]!;
  }
  return Math.round(total);
}

/** Formats milliseconds the way `parseDuration` reads them (`10s`, `1500ms`, `15m`). */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const size = DURATION_UNITS_MS[unit]!;
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** Shortest interval a command's `--every` accepts: a shorter one is a typo, not a schedule. */
export const MIN_EVERY_MS = 1_000;

/**
 * A command's `--every` value: the interval in milliseconds, or the message for a value that is
 * not a duration of at least `MIN_EVERY_MS`.
 */
export function parseEvery(text: string): { everyMs: number } | { error: string } {
  const everyMs = parseDuration(text);
  if (everyMs === undefined || everyMs < MIN_EVERY_MS) {
    return {
      error: `--every expects a duration of at least ${formatDuration(MIN_EVERY_MS)} (like 30s, 15m, 1h), got '${text}'`,
    };
  }
  return { everyMs };
}

/** Duration in milliseconds from `500ms`, `10s`, `15m`, `1h` (bounds in milliseconds too). */
function duration(bounds: IntBounds = {}) {
  const expected = describeBounds('a duration', bounds, formatDuration);
  const type = describeBounds('duration (500ms, 10s, 15m, 1h)', bounds, formatDuration);
  return fromString(type, (text, fail) => {
    const ms = parseDuration(text);
    if (ms === undefined) return fail('expected a duration like 500ms, 10s, 15m or 1h');
    if (!withinBounds(ms, bounds)) return fail(`expected ${expected}`);
    return ms;
  });
}

const TRUE_WORDS = new Set(['true', '1', 'yes']);
const FALSE_WORDS = new Set(['false', '0', 'no']);

/** Boolean from `true/false`, `1/0` or `yes/no` (case-insensitive). */
function bool() {
  return fromString('boolean (true/false, 1/0, yes/no)', (text, fail) => {
    const word = text.toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    return fail('expected true/false, 1/0 or yes/no');
  });
}

/** Comma-separated list; items are trimmed and empty items dropped. Items may be parsed by `item`. */
function list<T = string>(item?: z.ZodType<T, string>) {
  const itemType = item ? (envVarTypes.get(item)?.type ?? 'value') : 'string';
  return fromString(`comma-separated list of ${itemType}`, (text, fail) => {
    const parts = text
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part.length > 0);
    if (parts.length === 0) return fail('expected a comma-separated list');
    if (!item) return parts as T[];
    const values: T[] = [];
    const problems: string[] = [];
    parts.forEach((part, index) => {
      const result = item.safeParse(part);
      if (result.success) values.push(result.data);
      else
        problems.push(`item ${index + 1}: ${result.error.issues.map((i) => i.message).join(', ')}`);
    });
    if (problems.length > 0) return fail(problems.join('; '));
    return values;
  });
}

// `host:port`, `[ipv6]:port`; the host part is deliberately loose (names, IPv4, IPv6 literals).
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/;

/** Comma-separated `host:port` list (e.g. Kafka bootstrap brokers), normalised to `host:port` strings. */
function hostPorts() {
  return fromString('host:port list', (text, fail) => {
    const parts = text
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part.length > 0);
    const valid = parts.every((part) => {
      const match = HOST_PORT.exec(part);
      const portNumber = Number(match?.[2]);
      return match !== null && portNumber >= 1 && portNumber <= 65535;
    });
    if (parts.length === 0 || !valid) return fail('expected host:port list');
    return parts;
  });
}

/** Options for a URL variable. */
export interface UrlOptions {
  /** Accepted schemes without the colon, e.g. `['postgres', 'postgresql']`; any when omitted. */
  protocols?: readonly string[];
}

/** Absolute URL, kept as the given string (so it round-trips into client libraries unchanged). */
function url(options: UrlOptions = {}) {
  const protocols = options.protocols?.map((p) => p.toLowerCase().replace(/:$/, ''));
  const type = protocols ? `URL (${protocols.map((p) => `${p}://`).join(', ')})` : 'URL';
  return fromString(type, (text, fail) => {
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      return fail(protocols ? `expected a ${type}` : 'expected an absolute URL');
    }
    if (protocols && !protocols.includes(parsed.protocol.replace(/:$/, ''))) {
      return fail(`expected a ${type}`);
    }
    return text;
  });
}

/** One of a fixed set of values; matched case-insensitively and returned in canonical spelling. */
function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  const allowed = values.join('|');
  return fromString(allowed, (text, fail) => {
    const found = values.find((value) => value.toLowerCase() === text.toLowerCase());
    if (found === undefined) return fail(`expected one of ${allowed}`);
    return found as T[number];
  });
}

/** Options for a free-text variable. */
export interface StringOptions {
  /** Pattern the (trimmed) value must match. */
  pattern?: RegExp;
  /** Words for the error when `pattern` does not match, e.g. `a Kafka topic name`. */
  expected?: string;
}

/** Free text, trimmed; optionally checked against a pattern. */
function string(options: StringOptions = {}) {
  const expected = options.expected ?? (options.pattern ? `text matching ${options.pattern}` : '');
  return fromString(options.expected ?? 'string', (text, fail) => {
    if (options.pattern && !options.pattern.test(text)) return fail(`expected ${expected}`);
    return text;
  });
}

/**
 * Schemas for environment-variable strings. Use these (not bare `z.number()`) in `field()`:
 * the environment only ever holds strings.
 */
export const envVar = {
  int,
  port,
  duration,
  bool,
  list,
  hostPorts,
  url,
  enum: oneOf,
  string,
} as const;
