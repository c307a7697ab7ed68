/** Node's arguments to run `code` as an ES module that imports this package from its sources. */
export const moduleSnippetArgs = (code: string): string[] => [
  '--conditions=lakestream-source',
  '--import',
  'tsx',
  '--input-type=module',
  '-e',
  code,
];

/** The package's folder, where the snippet resolves `@lakestream/observability`. */
export const PACKAGE_DIR = new URL('..', import.meta.url);
