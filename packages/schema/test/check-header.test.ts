import { describe, expect, it } from 'vitest';
import { checkHeader, ORDER_ITEM_HEADERS } from '../src/index.js';

const EXACT: string[] = [...ORDER_ITEM_HEADERS];

describe('checkHeader', () => {
  it('passes the exact DataCo header', () => {
    expect(checkHeader(EXACT)).toEqual({
      ok: true,
      missing: [],
      unexpected: [],
      duplicated: [],
      outOfOrder: [],
      messages: [],
    });
  });

  it('reports a missing column without calling the later ones out of order', () => {
    const result = checkHeader(EXACT.filter((h) => h !== 'Order Id'));
    expect(result.ok).toBe(false);
    expect(result.missing).toEqual(['Order Id']);
    expect(result.outOfOrder).toEqual([]);
    expect(result.messages).toEqual(['missing column "Order Id" (expected at position 30)']);
  });

  it('reports near misses as unexpected, with a hint at the intended column', () => {
    const header = [...EXACT];
    header[0] = '\uFEFFType';
    header[1] = 'Days for shipping (real)     ';
    header[6] = 'late_delivery_risk';
    header[52] = 'Comment';
    const result = checkHeader(header);
    expect(result.ok).toBe(false);
    expect(result.unexpected).toEqual([
      '\uFEFFType',
      'Days for shipping (real)     ',
      'late_delivery_risk',
      'Comment',
    ]);
    expect(result.missing).toEqual([
      'Type',
      'Days for shipping (real)',
      'Late_delivery_risk',
      'Shipping Mode',
    ]);
    expect(result.messages).toContain(
      'unexpected column "\uFEFFType" at position 1 (did you mean "Type"?)',
    );
    expect(result.messages).toContain(
      'unexpected column "Days for shipping (real)     " at position 2 (did you mean "Days for shipping (real)"?)',
    );
    expect(result.messages).toContain(
      'unexpected column "late_delivery_risk" at position 7 (did you mean "Late_delivery_risk"?)',
    );
    expect(result.messages).toContain('unexpected column "Comment" at position 53');
  });

  it('reports swapped columns as out of order', () => {
    const header = [...EXACT];
    [header[37], header[38]] = [header[38]!, header[37]!]; // Sales <-> Order Item Total
    const result = checkHeader(header);
    expect(result.ok).toBe(false);
    expect(result.missing).toEqual([]);
    expect(result.outOfOrder).toHaveLength(1);
    expect(['Sales', 'Order Item Total']).toContain(result.outOfOrder[0]);
  });

  it('reports only the moved column when one column moves far', () => {
    const header = EXACT.filter((h) => h !== 'Shipping Mode');
    header.unshift('Shipping Mode');
    const result = checkHeader(header);
    expect(result.outOfOrder).toEqual(['Shipping Mode']);
    expect(result.messages).toEqual([
      'column "Shipping Mode" is out of order: at position 1, expected 53',
    ]);
  });

  it('reports duplicated columns', () => {
    const result = checkHeader([...EXACT, 'Sales']);
    expect(result.ok).toBe(false);
    expect(result.duplicated).toEqual(['Sales']);
    expect(result.messages).toEqual(['duplicated column "Sales" at positions 38, 54']);
  });

  it('reports every column of an empty or unrelated header as missing', () => {
    const result = checkHeader(['id', 'name']);
    expect(result.missing).toHaveLength(53);
    expect(result.unexpected).toEqual(['id', 'name']);
    expect(result.messages).toHaveLength(55);
  });
});
