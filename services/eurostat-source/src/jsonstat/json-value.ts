import type { ByteSource } from './byte-source.js';
import { JsonStatError } from './errors.js';

/** Thrown by the synchronous parsers when a token runs past the bytes in hand. */
export const NEED_MORE = Symbol('need more bytes');

/** Whether `b` is JSON white space. */
export function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/** The error for a byte the grammar does not allow at `offset`. */
export function unexpected(src: ByteSource, at: number, expected: string): JsonStatError {
  const b = src.buf[at];
  const seen = b === undefined ? 'the end' : `'${String.fromCharCode(b)}'`;
  return new JsonStatError('LS_JSONSTAT_MALFORMED', `expected ${expected}, found ${seen}`, {
    file: src.file,
    offset: src.base + at,
  });
}

/** Out of bytes at `at`: more are coming (NEED_MORE) or the text is cut short. */
export function outOfBytes(src: ByteSource, at: number): never {
  if (!src.eof) throw NEED_MORE;
  throw new JsonStatError('LS_JSONSTAT_TRUNCATED', 'the text ends inside the dataset', {
    file: src.file,
    offset: src.base + at,
  });
}

/** Position of the first non-space byte at or after `at`. */
export function skipSpace(src: ByteSource, at: number): number {
  const buf = src.buf;
  let p = at;
  while (p < buf.length && isSpace(buf[p] as number)) p++;
  if (p >= buf.length) outOfBytes(src, p);
  return p;
}

/** Parses the string whose opening quote is at `at`; returns it and the position after it. */
export function readString(src: ByteSource, at: number): [string, number] {
  const buf = src.buf;
  let p = at + 1;
  let escaped = false;
  for (;;) {
    if (p >= buf.length) outOfBytes(src, p);
    const b = buf[p] as number;
    if (b === 0x22) break;
    if (b === 0x5c) {
      escaped = true;
      p += 2;
      continue;
    }
    if (b < 0x20) throw unexpected(src, p, 'a character of a string');
    p++;
  }
  if (!escaped) return [buf.toString('utf8', at + 1, p), p + 1];
  try {
    return [JSON.parse(buf.toString('utf8', at, p + 1)) as string, p + 1];
  } catch {
    throw unexpected(src, at, 'a string with valid escapes');
  }
}

const NUMBER_BYTE = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

function isNumberByte(b: number): boolean {
  return (
    (b >= 0x30 && b <= 0x39) || b === 0x2d || b === 0x2b || b === 0x2e || b === 0x65 || b === 0x45
  );
}

/** Parses the number starting at `at`; returns it and the position after it. */
export function readNumber(src: ByteSource, at: number): [number, number] {
  const buf = src.buf;
  let p = at;
  while (p < buf.length && isNumberByte(buf[p] as number)) p++;
  if (p >= buf.length && !src.eof) throw NEED_MORE;
  const text = buf.toString('latin1', at, p);
  if (!NUMBER_BYTE.test(text)) throw unexpected(src, at, 'a JSON number');
  return [Number(text), p];
}

function readLiteral(src: ByteSource, at: number, word: string, value: unknown): [unknown, number] {
  const buf = src.buf;
  for (let i = 0; i < word.length; i++) {
    if (at + i >= buf.length) outOfBytes(src, at + i);
    if (buf[at + i] !== word.charCodeAt(i)) throw unexpected(src, at + i, `'${word}'`);
  }
  return [value, at + word.length];
}

/**
 * Parses the JSON value starting at the first non-space byte from `at` into a plain value: for the
 * small members of a dataset (ids, sizes, dimensions, extension), never for `value` or `status`.
 */
export function readValue(src: ByteSource, at: number, depth = 0): [unknown, number] {
  if (depth > 64) throw unexpected(src, at, 'JSON nested at most 64 deep');
  const buf = src.buf;
  let p = skipSpace(src, at);
  const b = buf[p] as number;
  if (b === 0x22) return readString(src, p);
  if (b === 0x7b) {
    const out: Record<string, unknown> = {};
    p = skipSpace(src, p + 1);
    if (buf[p] === 0x7d) return [out, p + 1];
    for (;;) {
      if (buf[p] !== 0x22) throw unexpected(src, p, 'a member name');
      const [key, afterKey] = readString(src, p);
      p = skipSpace(src, afterKey);
      if (buf[p] !== 0x3a) throw unexpected(src, p, "':'");
      const [value, afterValue] = readValue(src, p + 1, depth + 1);
      out[key] = value;
      p = skipSpace(src, afterValue);
      if (buf[p] === 0x7d) return [out, p + 1];
      if (buf[p] !== 0x2c) throw unexpected(src, p, "',' or '}'");
      p = skipSpace(src, p + 1);
    }
  }
  if (b === 0x5b) {
    const out: unknown[] = [];
    p = skipSpace(src, p + 1);
    if (buf[p] === 0x5d) return [out, p + 1];
    for (;;) {
      const [value, afterValue] = readValue(src, p, depth + 1);
      out.push(value);
      p = skipSpace(src, afterValue);
      if (buf[p] === 0x5d) return [out, p + 1];
      if (buf[p] !== 0x2c) throw unexpected(src, p, "',' or ']'");
      p = p + 1;
    }
  }
  if (b === 0x74) return readLiteral(src, p, 'true', true);
  if (b === 0x66) return readLiteral(src, p, 'false', false);
  if (b === 0x6e) return readLiteral(src, p, 'null', null);
  if (b === 0x2d || (b >= 0x30 && b <= 0x39)) return readNumber(src, p);
  throw unexpected(src, p, 'a JSON value');
}

/**
 * Runs a synchronous parse from the current position, widening the window and starting again
 * whenever it runs out of bytes; moves past what it parsed. For small members only: a restart
 * parses the member again.
 */
export async function readWhole<T>(
  src: ByteSource,
  parse: (at: number) => [T, number],
): Promise<T> {
  for (;;) {
    try {
      const [value, end] = parse(src.pos);
      src.pos = end;
      return value;
    } catch (err) {
      if (err !== NEED_MORE) throw err;
      await src.fill();
    }
  }
}
