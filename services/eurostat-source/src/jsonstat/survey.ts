import { ByteSource } from './byte-source.js';
import { CELL_NUMBER, CellScanner, type CellSink } from './cell-scanner.js';
import { JsonStatError } from './errors.js';
import { readString, readValue, readWhole, skipSpace, unexpected } from './json-value.js';
import { StatusTable } from './status-table.js';

/** What the first pass learnt of `value` without keeping it. */
export class ValueSurvey implements CellSink {
  shape: 'object' | 'array' = 'object';
  /** Text offset of the member's first byte after its `{` or `[`: where the second pass starts. */
  bodyAt = 0;
  /** Text offset of the member name. */
  at = 0;
  entries = 0;
  nulls = 0;
  /** False once an index is lower than one before it (legal; duplicates then need a bitmap). */
  ascending = true;
  maxIndex = -1;
  maxIndexAt = 0;

  constructor(private readonly file: string) {}

  cell(index: number, _text: string | null, at: number): boolean {
    if (index <= this.maxIndex) {
      if (index === this.maxIndex) {
        throw new JsonStatError('LS_JSONSTAT_DUPLICATE_INDEX', 'a value index appears twice', {
          file: this.file,
          offset: at,
          index,
        });
      }
      this.ascending = false;
    } else {
      this.maxIndex = index;
      this.maxIndexAt = at;
    }
    this.entries++;
    if (Number.isNaN(CELL_NUMBER[0])) this.nulls++;
    return true;
  }
}

/** The first pass's reading of an answer: its small members whole, `value` surveyed, `status` held. */
export interface Survey {
  file: string;
  /** Every member but `value` and `status`, parsed. */
  members: Record<string, unknown>;
  /** Text offset of each member's name. */
  memberAt: Record<string, number>;
  values: ValueSurvey | undefined;
  statuses: StatusTable;
  /** A `status` given as one string: it applies to every cell. */
  uniformStatus: string | undefined;
  /** For a dense `status` array: its length. */
  statusArrayLength: number | undefined;
}

/**
 * Pass 1: reads the whole answer once, checking it is JSON to the last byte. Keeps the small
 * members, counts and orders `value` without holding it, and keeps `status` compactly.
 */
export async function surveyAnswer(file: string, chunkBytes?: number): Promise<Survey> {
  const src = await ByteSource.open(file, 0, chunkBytes);
  const survey: Survey = {
    file,
    members: {},
    memberAt: {},
    values: undefined,
    statuses: new StatusTable(file),
    uniformStatus: undefined,
    statusArrayLength: undefined,
  };
  try {
    await readWhole(src, (at) => {
      const p = skipSpace(src, at);
      if (src.buf[p] !== 0x7b) throw unexpected(src, p, "'{' opening a JSON-stat dataset");
      return [null, p + 1];
    });
    let first = true;
    let nameAt = 0;
    for (;;) {
      const name = await readWhole(src, (at) => {
        let p = skipSpace(src, at);
        if (src.buf[p] === 0x7d) return [null, p + 1];
        if (!first) {
          if (src.buf[p] !== 0x2c) throw unexpected(src, p, "',' or '}'");
          p = skipSpace(src, p + 1);
        }
        if (src.buf[p] !== 0x22) throw unexpected(src, p, 'a member name');
        nameAt = src.base + p;
        const [key, after] = readString(src, p);
        p = skipSpace(src, after);
        if (src.buf[p] !== 0x3a) throw unexpected(src, p, "':'");
        return [key, p + 1];
      });
      if (name === null) break;
      first = false;
      if (Object.hasOwn(survey.memberAt, name)) {
        throw new JsonStatError('LS_JSONSTAT_MALFORMED', `the member '${name}' appears twice`, {
          file,
          offset: nameAt,
        });
      }
      survey.memberAt[name] = nameAt;
      if (name === 'value') await surveyValues(src, survey, nameAt);
      else if (name === 'status') await readStatuses(src, survey);
      else survey.members[name] = await readWhole(src, (p) => readValue(src, p));
    }
    await expectEnd(src);
  } finally {
    src.close();
  }
  survey.statuses.finish(survey.memberAt.status ?? 0);
  return survey;
}

/** Only white space may follow the dataset object. */
async function expectEnd(src: ByteSource): Promise<void> {
  for (;;) {
    const buf = src.buf;
    let p = src.pos;
    while (p < buf.length && isSpace(buf[p] as number)) p++;
    if (p < buf.length) throw unexpected(src, p, 'the end of the text after the dataset');
    src.pos = p;
    if (!(await src.fill())) return;
  }
}

/** Opens `value` or `status`: the byte after `{` or `[`, or a plain value (a uniform status). */
async function openCells(src: ByteSource): Promise<'object' | 'array' | 'other'> {
  return readWhole(src, (at) => {
    const p = skipSpace(src, at);
    const b = src.buf[p];
    if (b === 0x7b) return ['object', p + 1];
    if (b === 0x5b) return ['array', p + 1];
    return ['other', p];
  });
}

async function surveyValues(src: ByteSource, survey: Survey, at: number): Promise<void> {
  const values = new ValueSurvey(src.file);
  values.at = at;
  const shape = await openCells(src);
  if (shape === 'other') {
    throw new JsonStatError(
      'LS_JSONSTAT_NOT_DATASET',
      "'value' is neither an object nor an array",
      {
        file: src.file,
        offset: src.offset,
      },
    );
  }
  values.shape = shape;
  values.bodyAt = src.offset;
  await new CellScanner(src, 'number', shape, values).run();
  survey.values = values;
}

async function readStatuses(src: ByteSource, survey: Survey): Promise<void> {
  const shape = await openCells(src);
  if (shape === 'other') {
    const at = src.offset;
    const status = await readWhole(src, (p) => readValue(src, p));
    if (typeof status !== 'string') {
      throw new JsonStatError(
        'LS_JSONSTAT_NOT_DATASET',
        "'status' is neither an object, an array nor a string",
        { file: src.file, offset: at },
      );
    }
    survey.uniformStatus = status;
    return;
  }
  const scanner = new CellScanner(src, 'text', shape, survey.statuses);
  await scanner.run();
  if (shape === 'array') survey.statusArrayLength = scanner.entries;
}

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}
