import { eurostatUpdateTime } from '@lakestream/lake';
import { JsonStatError } from './errors.js';
import type { Survey } from './survey.js';

/** A category of a dimension, at its position in the dimension's order. */
export interface JsonStatCategory {
  code: string;
  label: string;
  position: number;
}

/** A dimension of the dataset, with its categories in index order. */
export interface JsonStatDimension {
  id: string;
  label: string;
  categories: JsonStatCategory[];
}

/** What an answer says about itself: everything but its cells. */
export interface JsonStatDataset {
  file: string;
  label: string | null;
  source: string | null;
  /** `updated` as written (`2024-05-01T11:00:00+0200`), or null when absent. */
  updated: string | null;
  /** `updated` in UTC ISO form (`2024-05-01T09:00:00Z`), or null. */
  updateTime: string | null;
  /** Dimension ids in the order of `id` (the last varies fastest in a linear index). */
  ids: string[];
  sizes: number[];
  dimensions: JsonStatDimension[];
  /** Product of the sizes: the number of positions a linear index ranges over. */
  positions: number;
  /** Entries of `value` (a dense array counts every element, nulls too) and the nulls among them. */
  valueEntries: number;
  valueNulls: number;
  /** Cells with a status. */
  statusEntries: number;
  /** Status flags by code (`statusFlags[0]` is the empty "no status"). */
  statusFlags: string[];
  /**
   * Eurostat's `extension["positions-with-no-data"]`: per dimension id, the positions of its
   * categories that have no data anywhere in the dataset (empty lists when absent).
   */
  positionsWithNoData: Record<string, number[]>;
  /** `extension` as given (annotations, status labels …), or null. */
  extension: Record<string, unknown> | null;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks the survey's structure against JSON-stat 2.0 and the cells against the sizes. */
export function resolveDataset(survey: Survey): JsonStatDataset {
  const { file, members, memberAt } = survey;
  const fail = (
    code: Parameters<typeof errorAt>[0],
    what: string,
    member: string,
    index?: number,
  ) => errorAt(code, what, file, memberAt[member], index);

  if (members.class !== undefined && members.class !== 'dataset') {
    throw fail(
      'LS_JSONSTAT_NOT_DATASET',
      `class is '${String(members.class)}', not 'dataset'`,
      'class',
    );
  }
  if (members.version !== undefined && members.version !== '2.0') {
    throw fail(
      'LS_JSONSTAT_NOT_DATASET',
      `version '${String(members.version)}' is not JSON-stat 2.0`,
      'version',
    );
  }
  const ids = members.id;
  const sizes = members.size;
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === 'string')) {
    throw fail('LS_JSONSTAT_NOT_DATASET', "'id' is missing or not a list of dimension ids", 'id');
  }
  if (!Array.isArray(sizes) || !sizes.every((s) => Number.isInteger(s) && s >= 0)) {
    throw fail('LS_JSONSTAT_NOT_DATASET', "'size' is missing or not a list of sizes", 'size');
  }
  if (ids.length !== sizes.length) {
    throw fail(
      'LS_JSONSTAT_SIZE_MISMATCH',
      `'id' names ${ids.length} dimensions but 'size' gives ${sizes.length} sizes`,
      'size',
    );
  }
  if (new Set(ids).size !== ids.length) {
    throw fail('LS_JSONSTAT_NOT_DATASET', "'id' names a dimension twice", 'id');
  }
  if (!isRecord(members.dimension)) {
    throw fail('LS_JSONSTAT_NOT_DATASET', "'dimension' is missing or not an object", 'dimension');
  }
  if (survey.values === undefined) {
    throw errorAt('LS_JSONSTAT_NOT_DATASET', "'value' is missing", file, 0);
  }
  const dimensionMembers = members.dimension;
  const dimensions = (ids as string[]).map((id, d) =>
    readDimension(id, dimensionMembers[id], sizes[d] as number, (what) =>
      fail('LS_JSONSTAT_SIZE_MISMATCH', `dimension '${id}': ${what}`, 'dimension'),
    ),
  );
  const positions = (sizes as number[]).reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(positions)) {
    throw fail('LS_JSONSTAT_UNSUPPORTED', 'the product of the sizes passes 2^53', 'size');
  }

  // 'value' and 'status' are each an array over every position or an object keyed by position:
  // an array must be as long as the positions, and no key may pass the last one.
  const checkPositions = (
    member: 'value' | 'status',
    arrayLength: number | undefined,
    indexes: { maxIndex: number; maxIndexAt: number },
  ) => {
    if (arrayLength !== undefined && arrayLength !== positions) {
      throw fail(
        'LS_JSONSTAT_SIZE_MISMATCH',
        `'${member}' has ${arrayLength} elements, the sizes make ${positions} positions`,
        member,
      );
    }
    if (indexes.maxIndex >= positions) {
      throw errorAt(
        'LS_JSONSTAT_INDEX_OUT_OF_RANGE',
        `a ${member} index is past the last position ${positions - 1}`,
        file,
        indexes.maxIndexAt,
        indexes.maxIndex,
      );
    }
  };
  const values = survey.values;
  checkPositions('value', values.shape === 'array' ? values.entries : undefined, values);
  const statuses = survey.statuses;
  checkPositions('status', survey.statusArrayLength, statuses);

  const extension = isRecord(members.extension) ? members.extension : null;
  const noData = extension?.['positions-with-no-data'];
  const positionsWithNoData: Record<string, number[]> = {};
  for (const id of ids as string[]) {
    const listed = isRecord(noData) ? noData[id] : undefined;
    positionsWithNoData[id] = Array.isArray(listed)
      ? listed.filter((p): p is number => Number.isInteger(p))
      : [];
  }
  const updated = typeof members.updated === 'string' ? members.updated : null;
  let updateTime: string | null = null;
  if (updated !== null) {
    try {
      updateTime = eurostatUpdateTime(updated);
    } catch (err) {
      throw errorAt(
        'LS_JSONSTAT_NOT_DATASET',
        `'updated' is not a time: '${updated}'`,
        file,
        memberAt.updated,
        undefined,
        err,
      );
    }
  }
  return {
    file,
    label: typeof members.label === 'string' ? members.label : null,
    source: typeof members.source === 'string' ? members.source : null,
    updated,
    updateTime,
    ids: ids as string[],
    sizes: sizes as number[],
    dimensions,
    positions,
    valueEntries: values.entries,
    valueNulls: values.nulls,
    statusEntries: survey.uniformStatus === undefined ? statuses.length : positions,
    statusFlags: statuses.flags,
    positionsWithNoData,
    extension,
  };
}

function readDimension(
  id: string,
  member: unknown,
  size: number,
  mismatch: (what: string) => JsonStatError,
): JsonStatDimension {
  if (!isRecord(member) || !isRecord(member.category)) {
    throw mismatch("missing from 'dimension', or without 'category'");
  }
  const { index, label } = member.category;
  const labels = isRecord(label) ? label : {};
  let codes: string[];
  if (Array.isArray(index)) {
    codes = index.map(String);
  } else if (isRecord(index)) {
    codes = new Array<string>(Object.keys(index).length);
    for (const [code, position] of Object.entries(index)) {
      if (
        !Number.isInteger(position) ||
        (position as number) < 0 ||
        (position as number) >= codes.length
      ) {
        throw mismatch(
          `category '${code}' has position ${String(position)}, not one of 0…${codes.length - 1}`,
        );
      }
      if (codes[position as number] !== undefined) {
        throw mismatch(`two categories have position ${String(position)}`);
      }
      codes[position as number] = code;
    }
  } else if (index === undefined && Object.keys(labels).length === 1) {
    codes = Object.keys(labels); // JSON-stat lets a one-category dimension omit its index
  } else {
    throw mismatch("'category' has no 'index'");
  }
  if (codes.length !== size) {
    throw mismatch(`${codes.length} categories but size ${size}`);
  }
  return {
    id,
    label: typeof member.label === 'string' ? member.label : id,
    categories: codes.map((code, position) => ({
      code,
      label: typeof labels[code] === 'string' ? (labels[code] as string) : code,
      position,
    })),
  };
}

function errorAt(
  code:
    | 'LS_JSONSTAT_NOT_DATASET'
    | 'LS_JSONSTAT_SIZE_MISMATCH'
    | 'LS_JSONSTAT_INDEX_OUT_OF_RANGE'
    | 'LS_JSONSTAT_UNSUPPORTED',
  what: string,
  file: string,
  offset: number | undefined,
  index?: number,
  cause?: unknown,
): JsonStatError {
  return new JsonStatError(
    code,
    what,
    { file, offset, index },
    cause === undefined ? {} : { cause },
  );
}
