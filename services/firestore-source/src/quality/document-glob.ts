/**
 * `--pattern GLOB`: which documents of an export a backfill looks at. Rules, on the document path
 * split at `/` (collection and document ids alternate):
 * - a segment `**` matches zero or more whole segments;
 * - `*` inside a segment matches any run of characters other than `/` (`2024*`, `*`);
 * - every other character matches itself (ids are compared exactly, case-sensitively).
 * A document is selected when the glob matches its path or the path of one of its ancestors, so
 * `teams/t1/reports/*` also selects every report's `qualityReports` documents.
 */

/**
 * The default: every document. The mapping then takes the reports, counts a `qualityReports`
 * document at the wrong place as bad input and skips the other collections.
 */
export const DEFAULT_DOCUMENT_GLOB = '**';

/** The example a malformed glob's message shows. */
const EXAMPLE_GLOB = 'teams/*/reports/*/qualityReports/*';

/** A compiled glob. */
export interface DocumentGlob {
  readonly text: string;
  /** Whether the document at `path` (or an ancestor of it) is selected. */
  selects(path: string): boolean;
}

type Segment = { kind: 'any-depth' } | { kind: 'segment'; re: RegExp };

/** Compiles a glob; throws a RangeError (a usage error) when it is malformed. */
export function compileDocumentGlob(text: string): DocumentGlob {
  if (text.trim() === '' || text.startsWith('/') || text.endsWith('/')) {
    throw new RangeError(`--pattern '${text}' must be a document path glob like ${EXAMPLE_GLOB}`);
  }
  const segments: Segment[] = text.split('/').map((part) => {
    if (part === '') throw new RangeError(`--pattern '${text}' has an empty segment`);
    if (part === '**') return { kind: 'any-depth' };
    if (part.includes('**')) {
      throw new RangeError(`--pattern '${text}': '**' must be a whole segment`);
    }
    const source = part
      .split('*')
      .map((literal) => literal.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/]*');
    return { kind: 'segment', re: new RegExp(`^${source}$`) };
  });
  return {
    text,
    selects(path) {
      const parts = path.split('/');
      // Ancestors first: a prefix of the path matched by the whole glob selects the document.
      for (let length = 1; length <= parts.length; length++) {
        if (matches(segments, 0, parts, 0, length)) return true;
      }
      return false;
    },
  };
}

function matches(
  glob: readonly Segment[],
  g: number,
  parts: readonly string[],
  p: number,
  end: number,
): boolean {
  if (g === glob.length) return p === end;
  const segment = glob[g]!;
  if (segment.kind === 'any-depth') {
    for (let skip = p; skip <= end; skip++) {
      if (matches(glob, g + 1, parts, skip, end)) return true;
    }
    return false;
  }
  return p < end && segment.re.test(parts[p]!) && matches(glob, g + 1, parts, p + 1, end);
}
