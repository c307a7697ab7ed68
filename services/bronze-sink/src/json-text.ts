// Byte values of the JSON grammar (RFC 8259).
const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const LOWER_U = 0x75;

/**
 * Deepest nesting accepted. Deeper text is reported as not JSON, so it is kept as a string: a
 * reader's `JSON.parse` of the line must not overflow its stack.
 */
export const MAX_JSON_DEPTH = 512;

const OBJECT = 1;
const ARRAY = 2;

// Escapes allowed after a backslash: " \ / b f n r t (u is handled apart).
const SIMPLE_ESCAPES = new Uint8Array(256);
for (const c of '"\\/bfnrt') SIMPLE_ESCAPES[c.charCodeAt(0)] = 1;
const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;

// Reused between calls: the sink validates one value at a time on one thread.
const stack = new Uint8Array(MAX_JSON_DEPTH);

function skipSpace(b: Uint8Array, i: number): number {
  while (i < b.length) {
    const c = b[i]!;
    if (c !== SPACE && c !== TAB && c !== LF && c !== CR) break;
    i++;
  }
  return i;
}

/** Index after the string starting at `i` (a quote), or -1. Bytes ≥ 0x80 are left to `isUtf8`. */
function scanString(b: Uint8Array, i: number): number {
  const n = b.length;
  for (i++; i < n; i++) {
    const c = b[i]!;
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH) {
      const e = b[i + 1];
      if (e === undefined) return -1;
      if (SIMPLE_ESCAPES[e]) {
        i++;
      } else if (e === LOWER_U) {
        if (!(HEX[b[i + 2]!] && HEX[b[i + 3]!] && HEX[b[i + 4]!] && HEX[b[i + 5]!])) return -1;
        i += 5;
      } else {
        return -1;
      }
    } else if (c < SPACE) {
      return -1;
    }
  }
  return -1;
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= ZERO && c <= NINE;
}

/** Index after the number starting at `i`, or -1: `-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`. */
function scanNumber(b: Uint8Array, i: number): number {
  if (b[i] === MINUS) i++;
  if (b[i] === ZERO) i++;
  else if (isDigit(b[i])) while (isDigit(b[i])) i++;
  else return -1;
  if (b[i] === DOT) {
    i++;
    if (!isDigit(b[i])) return -1;
    while (isDigit(b[i])) i++;
  }
  if (b[i] === LOWER_E || b[i] === UPPER_E) {
    i++;
    if (b[i] === PLUS || b[i] === MINUS) i++;
    if (!isDigit(b[i])) return -1;
    while (isDigit(b[i])) i++;
  }
  return i;
}

function scanLiteral(b: Uint8Array, i: number, literal: readonly number[]): number {
  for (let k = 0; k < literal.length; k++) if (b[i + k] !== literal[k]) return -1;
  return i + literal.length;
}

const TRUE = [...'true'].map((c) => c.charCodeAt(0));
const FALSE = [...'false'].map((c) => c.charCodeAt(0));
const NULL = [...'null'].map((c) => c.charCodeAt(0));

/**
 * Whether `bytes` hold exactly one JSON value (RFC 8259), surrounding whitespace allowed – what
 * `JSON.parse` accepts, decided without decoding the text or building the value, so that the
 * sink can embed a record's bytes as they are. The bytes must already be known to be valid UTF-8
 * (`buffer.isUtf8`): non-ASCII bytes are accepted inside strings, and refused outside them.
 */
export function isJsonText(b: Uint8Array): boolean {
  const n = b.length;
  let depth = 0;
  let i = skipSpace(b, 0);
  // Each turn of the loop parses one value, then what follows it.
  for (;;) {
    // --- a value
    const c = b[i];
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (depth === MAX_JSON_DEPTH) return false;
      stack[depth++] = c === OPEN_BRACE ? OBJECT : ARRAY;
      i = skipSpace(b, i + 1);
      const close = c === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET;
      if (b[i] === close) {
        depth--;
        i++;
      } else if (c === OPEN_BRACE) {
        // First member: "key" : value
        if (b[i] !== QUOTE) return false;
        i = scanString(b, i);
        if (i < 0) return false;
        i = skipSpace(b, i);
        if (b[i] !== COLON) return false;
        i = skipSpace(b, i + 1);
        continue;
      } else {
        continue;
      }
    } else if (c === QUOTE) {
      i = scanString(b, i);
    } else if (c === MINUS || isDigit(c)) {
      i = scanNumber(b, i);
    } else if (c === 0x74) {
      i = scanLiteral(b, i, TRUE);
    } else if (c === 0x66) {
      i = scanLiteral(b, i, FALSE);
    } else if (c === 0x6e) {
      i = scanLiteral(b, i, NULL);
    } else {
      return false;
    }
    if (i < 0) return false;

    // --- after a value: close containers, or move to the next element
    for (;;) {
      i = skipSpace(b, i);
      if (depth === 0) return i === n;
      const top = stack[depth - 1];
      const d = b[i];
      if (d === COMMA) {
        i = skipSpace(b, i + 1);
        if (top === OBJECT) {
          if (b[i] !== QUOTE) return false;
          i = scanString(b, i);
          if (i < 0) return false;
          i = skipSpace(b, i);
          if (b[i] !== COLON) return false;
          i = skipSpace(b, i + 1);
        }
        break;
      }
      if ((d === CLOSE_BRACE && top === OBJECT) || (d === CLOSE_BRACKET && top === ARRAY)) {
        depth--;
        i++;
        continue;
      }
      return false;
    }
  }
}
