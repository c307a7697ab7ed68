import { describe, expect, it } from 'vitest';
import {
  describeProblem,
  ORDER_ITEM_COLUMNS,
  type OrderItemEvent,
  type ParseResult,
  type Problem,
  parseOrderItemRow,
  serializeOrderItemEvent,
} from '../src/index.js';
import {
  CONTEXT,
  EXPECTED_EVENT,
  fieldsWith,
  VALID_FIELDS,
  validRecord,
} from './order-item-fixture.js';

function expectEvent(result: ParseResult): OrderItemEvent {
  if (!result.ok) throw new Error(`unexpected problems: ${result.problems.map(describeProblem)}`);
  return result.event;
}

function expectProblems(result: ParseResult): readonly Problem[] {
  if (result.ok) throw new Error('expected the row to be rejected');
  return result.problems;
}

/** Parses the valid row with one field replaced and returns its single problem. */
function problemFor(header: string, value: string, row = 17): Problem {
  const problems = expectProblems(
    parseOrderItemRow(fieldsWith({ [header]: value }), { ...CONTEXT, row }),
  );
  expect(problems).toHaveLength(1);
  return problems[0]!;
}

describe('parseOrderItemRow: valid rows', () => {
  it('turns the fixture row into the expected event, field by field', () => {
    const event = expectEvent(parseOrderItemRow(VALID_FIELDS, CONTEXT));
    expect(event).toStrictEqual(EXPECTED_EVENT);
    // Same keys in the same order: the order is part of the serialized form.
    expect(Object.keys(event)).toEqual(Object.keys(EXPECTED_EVENT));
  });

  it('accepts a header-keyed record (csv-parse `columns: true`) with the same result', () => {
    expect(expectEvent(parseOrderItemRow(validRecord(), CONTEXT))).toStrictEqual(EXPECTED_EVENT);
  });

  it('serializes to JSON that reads back as the same event', () => {
    const event = expectEvent(parseOrderItemRow(VALID_FIELDS, CONTEXT));
    expect(JSON.parse(serializeOrderItemEvent(event))).toStrictEqual(EXPECTED_EVENT);
  });

  it('stamps ingested_at with the current time when the caller gives none', () => {
    const before = Date.now();
    const event = expectEvent(parseOrderItemRow(VALID_FIELDS, { file: 'f.csv', row: 9 }));
    expect(Date.parse(event.ingested_at)).toBeGreaterThanOrEqual(before);
    expect(event.ingested_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(event.source).toEqual({ file: 'f.csv', row: 9 });
  });

  it('turns empty nullable cells into null and keeps present ones as text', () => {
    const event = expectEvent(
      parseOrderItemRow(
        fieldsWith({ 'Customer Lname': '', 'Customer Zipcode': '', 'Order Zipcode': '00601' }),
        CONTEXT,
      ),
    );
    expect(event.customer_lname).toBeNull();
    expect(event.customer_zipcode).toBeNull();
    expect(event.order_zipcode).toBe('00601');
    expect(event.product_description).toBeNull();
  });

  it('keeps text exactly as read: latin-1 accents, inner and trailing spaces, quotes, commas', () => {
    const fields = fieldsWith({
      'Order City': 'São Paulo',
      'Order Country': 'México',
      'Order State': 'Rajastán',
      'Customer City': 'Japón',
      'Customer Street': '1234 Main St, Apt 5',
      'Product Name': 'Golf Pride 13" Grip ',
      'Category Name': "Kids' Golf Clubs",
      'Department Name': ' Fan Shop',
    });
    const event = expectEvent(parseOrderItemRow(fields, CONTEXT));
    expect(event.order_city).toBe('São Paulo');
    expect(event.order_country).toBe('México');
    expect(event.order_state).toBe('Rajastán');
    expect(event.customer_city).toBe('Japón');
    expect(event.customer_street).toBe('1234 Main St, Apt 5');
    expect(event.product_name).toBe('Golf Pride 13" Grip ');
    expect(event.category_name).toBe("Kids' Golf Clubs");
    expect(event.department_name).toBe(' Fan Shop');
  });

  it.each([
    ['91.25', 91.25],
    ['-249.0899963', -249.0899963],
    ['0.039999999', 0.039999999],
    ['7', 7],
    ['-0.0', 0],
    ['007.50', 7.5],
  ])('reads the decimal %s as %d', (text, value) => {
    const event = expectEvent(
      parseOrderItemRow(fieldsWith({ 'Order Item Discount': text }), CONTEXT),
    );
    expect(Object.is(event.order_item_discount, value)).toBe(true);
  });

  it.each([
    ['0', 0],
    ['180517', 180517],
    ['-3', -3],
    ['-0', 0],
  ])('reads the integer %s as %d', (text, value) => {
    const event = expectEvent(parseOrderItemRow(fieldsWith({ 'Order Id': text }), CONTEXT));
    expect(Object.is(event.order_id, value)).toBe(true);
  });

  it('accepts every allowed value of every enum and flag column', () => {
    for (const column of ORDER_ITEM_COLUMNS) {
      if (!('values' in column)) continue;
      for (const allowed of column.values) {
        const event = expectEvent(
          parseOrderItemRow(fieldsWith({ [column.header]: String(allowed) }), CONTEXT),
        );
        expect(event[column.field]).toBe(allowed);
      }
    }
  });

  it('puts each column under its own field and nowhere else', () => {
    const base = expectEvent(parseOrderItemRow(VALID_FIELDS, CONTEXT));
    ORDER_ITEM_COLUMNS.forEach((column, i) => {
      const current = VALID_FIELDS[i]!;
      let other: string;
      if ('values' in column) {
        other = String(column.values.find((value) => String(value) !== current));
      } else if (column.type === 'timestamp') {
        other = '3/4/2016 5:06';
      } else if (column.type === 'integer') {
        other = '999';
      } else if (column.type === 'decimal') {
        other = '12.5';
      } else {
        other = 'changed';
      }
      const event = expectEvent(parseOrderItemRow(fieldsWith({ [column.header]: other }), CONTEXT));
      const changed = Object.keys(event).filter(
        (key) =>
          event[key as keyof OrderItemEvent] !== base[key as keyof OrderItemEvent] &&
          key !== 'source',
      );
      expect(changed, column.header).toEqual([column.field]);
    });
  });

  it('reads decimals exactly as Number() does, on both the fast and the long path', () => {
    // A fixed LCG, so a failure is reproducible.
    let state = 12345;
    const next = (n: number) => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return (state >>> 16) % n;
    };
    const digits = (n: number) => Array.from({ length: n }, () => String(next(10))).join('');
    for (let i = 0; i < 20_000; i++) {
      const sign = next(2) === 0 ? '' : '-';
      const integerPart = digits(1 + next(9));
      const text =
        next(4) === 0 ? `${sign}${integerPart}` : `${sign}${integerPart}.${digits(1 + next(12))}`;
      const event = expectEvent(parseOrderItemRow(fieldsWith({ Sales: text }), CONTEXT));
      expect(event.sales, text).toBe(Number(text) + 0);
    }
  });
});

describe('parseOrderItemRow: bad values', () => {
  it('rejects an empty cell in every required column', () => {
    for (const column of ORDER_ITEM_COLUMNS) {
      if (column.nullable) continue;
      expect(problemFor(column.header, '')).toEqual({
        code: 'LS_SCHEMA_REQUIRED',
        column: column.header,
        row: 17,
        value: '',
        message: 'missing required value',
      });
    }
  });

  it.each(['1.5', 'abc', '+3', ' 3', '3 ', '1e3', '-', '9007199254740993', '٣'])(
    'rejects %j in every integer column',
    (text) => {
      for (const column of ORDER_ITEM_COLUMNS) {
        if (column.type !== 'integer') continue;
        const problem = problemFor(column.header, text);
        expect(problem).toMatchObject({ column: column.header, row: 17, value: text });
        // Flag columns read the integer first, so a non-integer gets the integer message too.
        expect(problem.code).toBe('LS_SCHEMA_INTEGER');
        expect(problem.message).toBe('expected an integer');
      }
    },
  );

  it.each([
    '1e-3',
    '1,5',
    '1.234,5',
    '1,234.5',
    '.5',
    '5.',
    '+5',
    '--1',
    '1.2.3',
    'abc',
    ' 1.5',
    'NaN',
    'Infinity',
    '0x10',
  ])('rejects %j in every decimal column', (text) => {
    for (const column of ORDER_ITEM_COLUMNS) {
      if (column.type !== 'decimal') continue;
      const problem = problemFor(column.header, text);
      expect(problem).toMatchObject({
        code: 'LS_SCHEMA_DECIMAL',
        column: column.header,
        row: 17,
        value: text,
      });
      expect(problem.message).toMatch(/^expected a decimal number/);
    }
  });

  it.each([
    ['Type', 'debit', 'not one of DEBIT|TRANSFER|CASH|PAYMENT'],
    ['Type', 'DEBIT ', 'not one of DEBIT|TRANSFER|CASH|PAYMENT'],
    [
      'Order Status',
      'SHIPPED',
      'not one of COMPLETE|PENDING|CLOSED|PENDING_PAYMENT|CANCELED|PROCESSING|SUSPECTED_FRAUD|ON_HOLD|PAYMENT_REVIEW',
    ],
    [
      'Delivery Status',
      'Shipping Canceled',
      'not one of Advance shipping|Late delivery|Shipping canceled|Shipping on time',
    ],
    ['Shipping Mode', 'Overnight', 'not one of Standard Class|Second Class|First Class|Same Day'],
    ['Customer Segment', 'Home office', 'not one of Consumer|Corporate|Home Office'],
    ['Market', 'Asia', 'not one of Africa|Europe|LATAM|Pacific Asia|USCA'],
    ['Late_delivery_risk', '2', 'not one of 0|1'],
    ['Product Status', '-1', 'not one of 0|1'],
  ])('rejects %s = %j: %s', (header, text, message) => {
    expect(problemFor(header, text)).toEqual({
      code: 'LS_SCHEMA_NOT_ALLOWED',
      column: header,
      row: 17,
      value: text,
      message,
    });
  });

  it.each([
    ['2018-01-31 22:56', 'expected M/D/YYYY H:MM'],
    ['1/31/2018', 'expected M/D/YYYY H:MM'],
    ['2/30/2018 10:00', 'not a real date and time'],
    ['13/1/2018 10:00', 'not a real date and time'],
    ['1/31/2018 25:00', 'not a real date and time'],
    ['1/31/2018 10:60', 'not a real date and time'],
  ])('rejects the timestamp %j in both date columns', (text, message) => {
    for (const header of ['order date (DateOrders)', 'shipping date (DateOrders)']) {
      const problem = problemFor(header, text);
      expect(problem).toMatchObject({
        code: 'LS_SCHEMA_TIMESTAMP',
        column: header,
        row: 17,
        value: text,
      });
      expect(problem.message.startsWith(message)).toBe(true);
    }
  });

  it('does not let the timestamp cache accept a bad value after a good one', () => {
    expectEvent(parseOrderItemRow(VALID_FIELDS, CONTEXT));
    expect(problemFor('order date (DateOrders)', '1/31/2018 22:56 ').code).toBe(
      'LS_SCHEMA_TIMESTAMP',
    );
    const event = expectEvent(
      parseOrderItemRow(fieldsWith({ 'order date (DateOrders)': '1/30/2018 1:02' }), CONTEXT),
    );
    expect(event.order_date).toBe('2018-01-30T01:02:00.000Z');
  });

  it('collects every problem of a row, in column order', () => {
    const fields = fieldsWith({
      Type: 'CARD',
      'Days for shipping (real)': '1.5',
      'Customer Id': '',
      Latitude: '18,25',
      'order date (DateOrders)': '2/30/2018 10:00',
      'Order Status': 'complete',
    });
    const problems = expectProblems(parseOrderItemRow(fields, { ...CONTEXT, row: 4242 }));
    expect(problems.map((p) => [p.column, p.code, p.value])).toEqual([
      ['Type', 'LS_SCHEMA_NOT_ALLOWED', 'CARD'],
      ['Days for shipping (real)', 'LS_SCHEMA_INTEGER', '1.5'],
      ['Customer Id', 'LS_SCHEMA_REQUIRED', ''],
      ['Latitude', 'LS_SCHEMA_DECIMAL', '18,25'],
      ['order date (DateOrders)', 'LS_SCHEMA_TIMESTAMP', '2/30/2018 10:00'],
      ['Order Status', 'LS_SCHEMA_NOT_ALLOWED', 'complete'],
    ]);
    expect(problems.every((p) => p.row === 4242)).toBe(true);
  });

  it.each([52, 54, 1, 0])('rejects a row of %i fields with one field-count problem', (count) => {
    const fields = Array.from({ length: count }, (_, i) => VALID_FIELDS[i % 53]!);
    expect(expectProblems(parseOrderItemRow(fields, { ...CONTEXT, row: 3 }))).toEqual([
      {
        code: 'LS_SCHEMA_FIELD_COUNT',
        column: null,
        row: 3,
        value: null,
        message: `expected 53 fields, found ${count}`,
      },
    ]);
  });

  it('reports columns missing from a record, and keys that are not columns', () => {
    const record = validRecord();
    delete record['Order Id'];
    delete record.Sales;
    record['Order Id '] = '77202';
    const problems = expectProblems(parseOrderItemRow(record, { ...CONTEXT, row: 8 }));
    expect(problems.map((p) => [p.code, p.column, p.value])).toEqual([
      ['LS_SCHEMA_MISSING_COLUMN', 'Order Id', null],
      ['LS_SCHEMA_MISSING_COLUMN', 'Sales', null],
      ['LS_SCHEMA_UNEXPECTED_COLUMN', 'Order Id ', '77202'],
    ]);
  });

  it('reports an extra key in an otherwise complete record', () => {
    const record = { ...validRecord(), Comment: 'hello' };
    expect(expectProblems(parseOrderItemRow(record, CONTEXT))).toEqual([
      {
        code: 'LS_SCHEMA_UNEXPECTED_COLUMN',
        column: 'Comment',
        row: 1,
        value: 'hello',
        message: 'not a DataCo order-item column',
      },
    ]);
  });
});

describe('describeProblem', () => {
  it('names the row, the column, the expectation and the bad value', () => {
    expect(describeProblem(problemFor('Order Id', '1.5', 7))).toBe(
      'row 7, column "Order Id": expected an integer (got "1.5")',
    );
    const [countProblem] = expectProblems(parseOrderItemRow(['a'], { ...CONTEXT, row: 2 }));
    expect(describeProblem(countProblem!)).toBe('row 2: expected 53 fields, found 1');
  });
});
