/**
 * One parser per column, built once at module load so that parsing a row is a loop over ready
 * closures: no regex compiled, no schema walked, nothing allocated for a value that is rejected.
 */
import type { ColumnSpec } from './columns.js';
import {
  readDataCoTimestamp,
  TIMESTAMP_FORMAT_REJECTION,
  TIMESTAMP_RANGE_REJECTION,
} from './dataco-timestamp.js';
import type { ProblemCode } from './problem.js';

/** Why a non-empty cell was rejected. Preallocated per column, so rejecting costs nothing. */
export class Rejection {
  constructor(
    readonly code: ProblemCode,
    readonly message: string,
  ) {}
}

/** Turns a non-empty cell into its typed value, or says why it cannot. */
export type ValueParser = (text: string) => string | number | Rejection;

/** A column with its parser, ready for the row loop. */
export interface CompiledColumn {
  readonly header: string;
  readonly field: string;
  readonly nullable: boolean;
  readonly parse: ValueParser;
}

const INTEGER_REJECTION = new Rejection('LS_SCHEMA_INTEGER', 'expected an integer');
const DECIMAL_REJECTION = new Rejection(
  'LS_SCHEMA_DECIMAL',
  'expected a decimal number (optional minus sign, digits, optional point and digits)',
);

/**
 * Reads an optionally negative run of ASCII digits. Anything else — a sign `+`, spaces, a point,
 * an exponent, digits beyond the safe-integer range — is not an integer the dataset would write.
 */
function parseInteger(text: string): number | Rejection {
  const negative = text.charCodeAt(0) === 45; /* - */
  let i = negative ? 1 : 0;
  if (i === text.length) return INTEGER_REJECTION;
  let value = 0;
  for (; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return INTEGER_REJECTION;
    value = value * 10 + digit;
  }
  if (value > Number.MAX_SAFE_INTEGER) return INTEGER_REJECTION;
  // `0 - value` rather than `-value`, so that "-0" reads as 0 and not as -0.
  return negative ? 0 - value : value;
}

/** 10^0 … 10^15, written out so each is exactly the double it names. */
const POWERS_OF_TEN: readonly number[] = [
  1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/**
 * Accepts plain decimal notation only: `-249.0899963`, `0.039999999`, `91.25`, `7`. Exponents
 * (`1e-3`), thousands separators, decimal commas, a leading `+` or a bare `.5` are rejected: the
 * dataset never writes them, so seeing one means the file is not what we think it is.
 */
function parseDecimal(text: string): number | Rejection {
  const length = text.length;
  const negative = text.charCodeAt(0) === 45; /* - */
  let i = negative ? 1 : 0;
  const integerStart = i;
  // The digits, point ignored, as an integer; exact while there are at most 15 of them.
  let mantissa = 0;
  while (i < length) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) break;
    mantissa = mantissa * 10 + digit;
    i++;
  }
  if (i === integerStart) return DECIMAL_REJECTION;
  let fractionDigits = 0;
  if (i < length) {
    if (text.charCodeAt(i) !== 46 /* . */) return DECIMAL_REJECTION;
    const fractionStart = ++i;
    while (i < length) {
      const digit = text.charCodeAt(i) - 48;
      if (digit < 0 || digit > 9) return DECIMAL_REJECTION;
      mantissa = mantissa * 10 + digit;
      i++;
    }
    fractionDigits = i - fractionStart;
    if (fractionDigits === 0) return DECIMAL_REJECTION;
  }
  const digitCount = length - integerStart - (fractionDigits > 0 ? 1 : 0);
  if (digitCount <= 15) {
    // Fast path (Clinger): an integer below 2^53 divided by an exact power of ten is one
    // correctly rounded operation, so this equals Number(text) at a fraction of its cost.
    // `0 - x` rather than `-x` so that "-0.0" reads as 0.
    const value = mantissa / POWERS_OF_TEN[fractionDigits]!;
    return negative ? 0 - value : value;
  }
  const value = Number(text);
  // Only a pathologically long digit string overflows to Infinity. `+ 0` turns "-0.0…0" into 0.
  return Number.isFinite(value) ? value + 0 : DECIMAL_REJECTION;
}

function allowedValuesParser(
  values: readonly (string | number)[],
  read: (text: string) => string | number | Rejection,
): ValueParser {
  const allowed = new Set<string | number>(values);
  const rejection = new Rejection('LS_SCHEMA_NOT_ALLOWED', `not one of ${values.join('|')}`);
  return (text) => {
    const value = read(text);
    if (typeof value === 'object') return value;
    return allowed.has(value) ? value : rejection;
  };
}

function timestampParser(): ValueParser {
  const format = new Rejection('LS_SCHEMA_TIMESTAMP', TIMESTAMP_FORMAT_REJECTION.message);
  const range = new Rejection('LS_SCHEMA_TIMESTAMP', TIMESTAMP_RANGE_REJECTION.message);
  // Consecutive rows usually belong to one order and share its timestamps: remember the last one.
  let lastText = '';
  let lastIso = '';
  return (text) => {
    if (text === lastText) return lastIso;
    const result = readDataCoTimestamp(text);
    if (typeof result !== 'string') return result === TIMESTAMP_FORMAT_REJECTION ? format : range;
    lastText = text;
    lastIso = result;
    return result;
  };
}

const keepText = (text: string): string => text;

/** Builds the parser for one column from its spec. */
export function compileColumn(spec: ColumnSpec): CompiledColumn {
  let parse: ValueParser;
  switch (spec.type) {
    case 'string':
      parse = keepText;
      break;
    case 'integer':
      parse = spec.values ? allowedValuesParser(spec.values, parseInteger) : parseInteger;
      break;
    case 'decimal':
      parse = parseDecimal;
      break;
    case 'timestamp':
      parse = timestampParser();
      break;
    case 'enum':
      parse = allowedValuesParser(spec.values ?? [], keepText);
      break;
  }
  return { header: spec.header, field: spec.field, nullable: spec.nullable, parse };
}
