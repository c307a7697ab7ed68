/**
 * Eurostat's table of contents in its tab-separated text form (`…/catalogue/toc/txt?lang=en`):
 * a header line, then one line per folder, dataset or table of the navigation tree, every field
 * in double quotes except the number of values:
 *
 *   "title"  "code"  "type"  "last update of data"  "last table structure change"  "data start"  "data end"  "values"
 *   "    Causes of death"  "hlth_cd"  "folder"  " "  " "  " "  " "
 *   "        Causes of death - crude death rate"  "hlth_cd_acdr"  "dataset"  "26.03.2026"  "26.03.2026"  "2011"  "2022"  52311
 *
 * The title is indented four spaces per tree level; dates are DD.MM.YYYY (Brussels dates); a
 * folder's empty fields hold one space. A code may sit at several places of the tree.
 */
import { EurostatError } from '../errors.js';

/** The header of the English text form, field by field. */
export const TOC_COLUMNS = [
  'title',
  'code',
  'type',
  'last update of data',
  'last table structure change',
  'data start',
  'data end',
  'values',
] as const;

/** Entry types the catalogue keeps: a folder holds no data. */
export const CATALOG_TYPES = ['dataset', 'table'] as const;

/** One dataset or table of the table of contents. */
export interface CatalogEntry {
  /** Lower-case code, as the data API takes it. */
  code: string;
  title: string;
  type: (typeof CATALOG_TYPES)[number];
  /** `YYYY-MM-DD`, or null when the table of contents leaves it blank. */
  lastDataUpdate: string | null;
  lastStructureChange: string | null;
  /** The oldest and newest period (`2011`, `2026-Q2`, `2026-07`…), or null. */
  dataStart: string | null;
  dataEnd: string | null;
  valueCount: number | null;
  /** 1-based line of the table of contents it was read from. */
  line: number;
}

/** What a table of contents holds: its datasets and tables, and how many lines were folders. */
export interface TableOfContents {
  entries: CatalogEntry[];
  folders: number;
  /** Lines naming a code already read (the same dataset at another place of the tree). */
  repeated: number;
}

const CODE = /^[A-Za-z0-9_$.-]{1,100}$/;
const DATE = /^(\d{2})\.(\d{2})\.(\d{4})$/;

/**
 * Parses the text form; throws LS_EUROSTAT_TOC_MALFORMED naming the source, the line and the
 * column for anything that is not Eurostat's shape (a wrong header, a field count, an unquoted
 * field, a bad date, a bad count).
 */
export function parseTableOfContents(text: string, source = 'table of contents'): TableOfContents {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const fail = (line: number, message: string) =>
    new EurostatError('LS_EUROSTAT_TOC_MALFORMED', `${source} line ${line}: ${message}`);
  const header = splitLine(lines[0] ?? '', 1, fail);
  if (
    header.length < TOC_COLUMNS.length - 1 ||
    TOC_COLUMNS.some((c, i) => i < header.length && header[i]?.toLowerCase() !== c)
  ) {
    throw fail(
      1,
      `expected the header ${TOC_COLUMNS.map((c) => `"${c}"`).join(' ')} (tab-separated), got ${JSON.stringify((lines[0] ?? '').slice(0, 120))}`,
    );
  }
  const byCode = new Map<string, CatalogEntry>();
  let folders = 0;
  let repeated = 0;
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const lineNo = i + 1;
    if (raw.trim() === '') continue;
    const fields = splitLine(raw, lineNo, fail);
    // A folder line ends after "data end" plus an empty values field; accept 7 or 8 fields.
    if (fields.length !== 8 && fields.length !== 7) {
      throw fail(lineNo, `expected 8 tab-separated fields, got ${fields.length}`);
    }
    const [title = '', code = '', type = '', update, structure, start, end, values] = fields;
    const kind = type.trim();
    if (kind === 'folder') {
      folders += 1;
      continue;
    }
    if (kind !== 'dataset' && kind !== 'table') {
      throw fail(
        lineNo,
        `column 3 (type): expected dataset, table or folder, got ${JSON.stringify(kind)}`,
      );
    }
    const trimmedCode = code.trim();
    if (!CODE.test(trimmedCode)) {
      throw fail(lineNo, `column 2 (code): expected a dataset code, got ${JSON.stringify(code)}`);
    }
    const entry: CatalogEntry = {
      code: trimmedCode.toLowerCase(),
      title: title.trim(),
      type: kind,
      lastDataUpdate: tocDate(update, lineNo, 4, fail),
      lastStructureChange: tocDate(structure, lineNo, 5, fail),
      dataStart: blankToNull(start),
      dataEnd: blankToNull(end),
      valueCount: valueCount(values, lineNo, fail),
      line: lineNo,
    };
    if (entry.title === '') throw fail(lineNo, 'column 1 (title): empty');
    const seen = byCode.get(entry.code);
    // The same dataset filed under a second folder: one catalogue row, the first place read.
    if (seen) {
      repeated += 1;
      continue;
    }
    byCode.set(entry.code, entry);
  }
  return { entries: [...byCode.values()], folders, repeated };
}

/** The fields of one line: quoted ones unquoted (`""` is a quote), the bare values number as it is. */
function splitLine(
  line: string,
  lineNo: number,
  fail: (line: number, message: string) => Error,
): string[] {
  const parts = line.split('\t');
  return parts.map((part, index) => {
    if (part.length >= 2 && part.startsWith('"') && part.endsWith('"')) {
      return part.slice(1, -1).replaceAll('""', '"');
    }
    if (part.includes('"')) {
      throw fail(
        lineNo,
        `column ${index + 1}: unbalanced quotes in ${JSON.stringify(part.slice(0, 80))}`,
      );
    }
    return part;
  });
}

function blankToNull(value: string | undefined): string | null {
  const trimmed = value?.trim() ?? '';
  return trimmed === '' ? null : trimmed;
}

function tocDate(
  value: string | undefined,
  lineNo: number,
  column: number,
  fail: (line: number, message: string) => Error,
): string | null {
  const text = blankToNull(value);
  if (text === null) return null;
  const match = DATE.exec(text);
  const [, dd = '', mm = '', yyyy = ''] = match ?? [];
  const date = new Date(`${yyyy}-${mm}-${dd}T00:00:00Z`);
  if (!match || Number.isNaN(date.getTime()) || date.getUTCDate() !== Number(dd)) {
    throw fail(
      lineNo,
      `column ${column} (${TOC_COLUMNS[column - 1]}): expected a date DD.MM.YYYY, got ${JSON.stringify(text)}`,
    );
  }
  return `${yyyy}-${mm}-${dd}`;
}

function valueCount(
  value: string | undefined,
  lineNo: number,
  fail: (line: number, message: string) => Error,
): number | null {
  const text = blankToNull(value);
  if (text === null) return null;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) {
    throw fail(lineNo, `column 8 (values): expected a count, got ${JSON.stringify(text)}`);
  }
  return n;
}

/**
 * The watched entries: those whose code or title contains a keyword, case-insensitively, each
 * with the first keyword it matched (in the order configured).
 */
export function selectWatched(
  entries: readonly CatalogEntry[],
  keywords: readonly string[],
): { code: string; keyword: string }[] {
  const lowered = keywords.map((k) => [k, k.toLowerCase()] as const);
  const out: { code: string; keyword: string }[] = [];
  for (const entry of entries) {
    const haystacks = [entry.code.toLowerCase(), entry.title.toLowerCase()];
    const hit = lowered.find(([, k]) => haystacks.some((h) => h.includes(k)));
    if (hit) out.push({ code: entry.code, keyword: hit[0] });
  }
  return out;
}
