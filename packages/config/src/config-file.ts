/**
 * A service's JSON config file read as environment variables: each key is a variable's name in
 * lower case (without the service's prefix), so file and environment go through one definition
 * and a value is validated, typed and documented the same way wherever it is set.
 */
import { readFileSync } from 'node:fs';

/** How a file's settings become variables. */
export interface FileSettingsOptions {
  /** The keys the object may hold. */
  keys: readonly string[];
  /** Prepended to each upper-cased key (`FIRESTORE_EXPORT_`); none by default. */
  prefix?: string;
  /** The service's error for a bad file (its own code); the message never holds a value. */
  fail: (message: string) => Error;
}

/** The JSON object in `path`; `fail`s when it cannot be read, is not JSON or not an object. */
export function readJsonObjectFile(
  path: string,
  fail: (message: string) => Error,
): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw fail(`config file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'not valid JSON'}`);
  }
  if (!isObject(parsed)) throw fail(`config file ${path}: expected an object`);
  return parsed;
}

/**
 * An object's settings as variables (`page_size: 200` → `<prefix>PAGE_SIZE=200`; a list joined
 * by commas, an object as JSON; null left unset). `where` names it in errors: an unknown key
 * fails with every unknown key and the expected ones.
 */
export function settingsAsEnv(
  where: string,
  object: unknown,
  options: FileSettingsOptions,
): Record<string, string> {
  if (!isObject(object)) throw options.fail(`${where}: expected an object`);
  const unknown = Object.keys(object).filter((key) => !options.keys.includes(key));
  if (unknown.length > 0) {
    throw options.fail(
      `${where}: unknown keys ${unknown.join(', ')} (expected ${options.keys.join(', ')})`,
    );
  }
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(object)) {
    if (value !== null && value !== undefined) {
      env[`${options.prefix ?? ''}${key.toUpperCase()}`] = fileValue(value);
    }
  }
  return env;
}

/** The file's variables under the environment's: a variable set to a non-empty value wins. */
export function underEnvironment(
  fromFile: Readonly<Record<string, string>>,
  env: NodeJS.ProcessEnv,
): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = { ...fromFile };
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== '') merged[key] = value;
  }
  return merged;
}

function fileValue(value: unknown): string {
  if (Array.isArray(value)) return value.map(String).join(',');
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
