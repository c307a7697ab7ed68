import type { ExportDocument, ExportFacts, ReadManagedExportOptions } from './types.js';

/**
 * Every document of the managed export at `location` (a local folder, `file://…`, or
 * `gs://bucket/prefix`): the folder holding `*.overall_export_metadata`, or any folder above the
 * `all_namespaces/…` output files.
 */
export function readManagedExport(
  location: string,
  options: ReadManagedExportOptions,
): AsyncIterable<ExportDocument> {
  void location;
  void options;
  throw new Error('not built yet');
}

/** The export's facts (name, start/end time, kinds, output files) without reading documents. */
export async function readExportFacts(
  location: string,
  options: Pick<ReadManagedExportOptions, 'emulatorHost'> = {},
): Promise<ExportFacts> {
  void location;
  void options;
  throw new Error('not built yet');
}
