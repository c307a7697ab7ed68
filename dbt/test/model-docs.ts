/** The model documentation of the project's YAML files (models/**\/*.yml). */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DBT_DIR } from '../harness/run-dbt.js';

/** A documented model: its description and its columns' descriptions. */
export interface ModelDoc {
  readonly description: string;
  readonly columns: Readonly<Record<string, string>>;
}

interface YamlModel {
  name: string;
  description?: string;
  columns?: { name: string; description?: string }[];
}

/** Every model described in models/, by name. */
export async function readModelDocs(): Promise<Map<string, ModelDoc>> {
  const docs = new Map<string, ModelDoc>();
  const files = await readdir(join(DBT_DIR, 'models'), { recursive: true });
  for (const file of files.filter((f) => f.endsWith('.yml')).sort()) {
    const yaml = parse(await readFile(join(DBT_DIR, 'models', file), 'utf8')) as {
      models?: YamlModel[];
    };
    for (const model of yaml.models ?? []) {
      docs.set(model.name, {
        description: (model.description ?? '').trim(),
        columns: Object.fromEntries(
          (model.columns ?? []).map((c) => [c.name, (c.description ?? '').trim()]),
        ),
      });
    }
  }
  return docs;
}
