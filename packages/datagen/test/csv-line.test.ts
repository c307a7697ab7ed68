import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { encodeCsvLine, quoteCsvField } from '../src/index.js';

describe('CSV encoding', () => {
  it('quotes only fields with a comma, a double quote or a line break', () => {
    expect(quoteCsvField('Smart watch ')).toBe('Smart watch ');
    expect(quoteCsvField("Kids' Golf Clubs")).toBe("Kids' Golf Clubs");
    expect(quoteCsvField('')).toBe('');
    expect(quoteCsvField('1234 Main St, Apt 5')).toBe('"1234 Main St, Apt 5"');
    expect(quoteCsvField('Men\'s 35" Putter')).toBe('"Men\'s 35"" Putter"');
    expect(quoteCsvField('two\nlines')).toBe('"two\nlines"');
    expect(quoteCsvField('cr\r')).toBe('"cr\r"');
  });

  it('encodes a record as one LF-terminated line that csv-parse reads back', () => {
    const fields = ['a', '', 'b, c', 'say "hi"', 'São Paulo', ' x ', 'multi\nline'];
    const line = encodeCsvLine(fields);
    expect(line).toBe('a,,"b, c","say ""hi""",São Paulo, x ,"multi\nline"\n');
    expect(parse(line)).toEqual([fields]);
  });
});
