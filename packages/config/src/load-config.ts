import { inspect } from 'node:util';
import { closestName } from './closest-name.js';
import type { ConfigDefinition, ConfigOf, FieldSpec } from './define-config.js';
import { LakestreamError } from './errors.js';
import { redactConfig } from './redact-config.js';

/** Why one variable was rejected. */
export interface ConfigProblem {
  /** The environment variable concerned. */
  variable: string;
  /** `missing`: required and unset; `invalid`: does not parse; `unknown`: prefixed but not declared. */
  kind: 'missing' | 'invalid' | 'unknown';
  /** One line naming the variable, e.g. `KAFKA_BROKERS: expected host:port list, got 'foo'`. */
  message: string;
}

/** The environment does not satisfy a config definition; `problems` lists every reason at once. */
export class ConfigError extends LakestreamError {
  /** Every problem found, in declaration order, then unknown variables alphabetically. */
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    const lines = problems.map((problem) => `  ${problem.message}`).join('\n');
    super('LS_CONFIG_INVALID', `Invalid configuration (${count}):\n${lines}`, {
      retryable: false,
      details: { problems },
    });
    this.problems = Object.freeze([...problems]);
  }
}

// Long values are cut in messages: the point is to recognise the value, not to reprint a blob.
const MAX_SHOWN = 80;

function shown(raw: string): string {
  return raw.length > MAX_SHOWN ? `'${raw.slice(0, MAX_SHOWN)}…'` : `'${raw}'`;
}

/** The variable's value, with empty or whitespace-only strings treated as unset. */
function readVariable(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw.trim() === '' ? undefined : raw;
}

type FieldResult = { ok: true; value: unknown } | { ok: false; problem: ConfigProblem };

function loadField(spec: FieldSpec, env: NodeJS.ProcessEnv): FieldResult {
  const raw = readVariable(env, spec.env);
  const input = raw ?? spec.default;
  if (input === undefined) {
    // An `.optional()` schema (or a zod `.default()`) accepts absence; anything else is required.
    const absent = spec.schema.safeParse(undefined);
    if (absent.success) return { ok: true, value: absent.data };
    const message = `${spec.env}: required but not set (${spec.doc})`;
    return { ok: false, problem: { variable: spec.env, kind: 'missing', message } };
  }
  const result = spec.schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  const reasons = [...new Set(result.error.issues.map((issue) => issue.message))].join('; ');
  const got = spec.secret ? ' (secret value not shown)' : `, got ${shown(input)}`;
  const message = `${spec.env}: ${reasons}${got}`;
  return { ok: false, problem: { variable: spec.env, kind: 'invalid', message } };
}

function unknownVariables(definition: ConfigDefinition, env: NodeJS.ProcessEnv): ConfigProblem[] {
  const { prefix } = definition;
  if (prefix === undefined) return [];
  const declared = new Set(Object.values(definition.fields).map((spec) => spec.env));
  return Object.keys(env)
    .filter((name) => name.startsWith(prefix) && !declared.has(name))
    .filter((name) => readVariable(env, name) !== undefined)
    .sort()
    .map((name) => {
      const suggestion = closestName(name, declared);
      const hint = suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`;
      return {
        variable: name,
        kind: 'unknown',
        message: `${name}: unknown variable for prefix ${prefix}${hint}`,
      };
    });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/**
 * Reads `env` (default `process.env`) against a definition and returns the typed, deep-frozen
 * config, or throws one `ConfigError` listing every missing, malformed and unknown variable.
 * The object prints with secrets redacted via `JSON.stringify` (so also in pino logs) and
 * `util.inspect`/`console.log`; spreading it into a new object drops that protection.
 */
export function loadConfig<D extends ConfigDefinition>(
  definition: D,
  env: NodeJS.ProcessEnv = process.env,
): ConfigOf<D> {
  // Printing hooks live on a per-definition prototype rather than on the object itself, so a copy
  // that keeps the prototype (as pino's redaction does when it clones) still prints redacted.
  const printing = Object.freeze({
    toJSON(this: object) {
      return redactConfig(this, definition);
    },
    [inspect.custom](this: object, _depth: number, options: object) {
      return inspect(redactConfig(this, definition), options);
    },
  });
  const config: Record<string, unknown> = Object.create(printing);
  const problems: ConfigProblem[] = [];
  for (const [key, spec] of Object.entries(definition.fields)) {
    const result = loadField(spec, env);
    if (result.ok) config[key] = result.value;
    else problems.push(result.problem);
  }
  problems.push(...unknownVariables(definition, env));
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config) as ConfigOf<D>;
}
