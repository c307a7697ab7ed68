import type { z } from 'zod';

/** Documentation and handling of one field, given to `field()`. */
export interface FieldOptions {
  /** One-line description, shown in `describeConfig` output and in "missing" errors. */
  doc: string;
  /** Default as the environment would spell it (`'10s'`, `'127.0.0.1:9092'`), parsed like a set value. */
  default?: string;
  /** Never print the value: redacted in `toJSON`/inspect output and left out of error messages. */
  secret?: boolean;
  /** Example value for the docs. */
  example?: string;
}

/** One environment variable: its name, the schema that parses its string, and its docs. */
export interface FieldSpec<S extends z.ZodType = z.ZodType> {
  /** Environment variable name, e.g. `KAFKA_BROKERS`. */
  readonly env: string;
  /** Schema applied to the raw string (see `envVar` for string-parsing schemas). */
  readonly schema: S;
  /** One-line description. */
  readonly doc: string;
  /** Default in environment spelling; absent when the variable is required or optional. */
  readonly default?: string;
  /** Whether the value is secret. */
  readonly secret: boolean;
  /** Example value for the docs. */
  readonly example?: string;
}

/** The fields of a config, keyed by the property name the service reads. */
export type FieldSpecs = Readonly<Record<string, FieldSpec>>;

/** A service's complete configuration schema, made by `defineConfig`. */
export interface ConfigDefinition<F extends FieldSpecs = FieldSpecs> {
  /**
   * Variables starting with this prefix must all be declared fields; any other is reported as
   * unknown (a typo like `LAKESTREAM_PRODUCER_BATCH_SIZ` would otherwise be silently ignored).
   */
  readonly prefix?: string;
  /** The declared fields. */
  readonly fields: F;
}

/** Recursively read-only view of a value: what `loadConfig` returns is deep-frozen. */
export type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** The typed configuration object `loadConfig` returns for a definition. */
export type ConfigOf<D extends ConfigDefinition> = {
  readonly [K in keyof D['fields']]: DeepReadonly<z.output<D['fields'][K]['schema']>>;
};

const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;

/** Declares one field: the variable `env`, parsed from its string by `schema`. */
export function field<S extends z.ZodType>(
  env: string,
  schema: S,
  options: FieldOptions,
): FieldSpec<S> {
  return Object.freeze({
    env,
    schema,
    doc: options.doc,
    secret: options.secret ?? false,
    ...(options.default === undefined ? {} : { default: options.default }),
    ...(options.example === undefined ? {} : { example: options.example }),
  });
}

/**
 * Declares a service's configuration. Checks the definition itself (valid, unique variable names;
 * defaults that parse) so that a mistake in it fails at start-up in every environment, not only
 * in the one where the default happens to be used.
 */
export function defineConfig<const F extends FieldSpecs>(definition: {
  prefix?: string;
  fields: F;
}): ConfigDefinition<F> {
  const seen = new Map<string, string>();
  for (const [key, spec] of Object.entries(definition.fields)) {
    if (!ENV_NAME.test(spec.env)) {
      throw new TypeError(`Config field '${key}': '${spec.env}' is not an UPPER_SNAKE_CASE name`);
    }
    const other = seen.get(spec.env);
    if (other !== undefined) {
      throw new TypeError(`Config fields '${other}' and '${key}' both read ${spec.env}`);
    }
    seen.set(spec.env, key);
    if (spec.default !== undefined) {
      const result = spec.schema.safeParse(spec.default);
      if (!result.success) {
        const shown = spec.secret ? '(secret)' : `'${spec.default}'`;
        throw new TypeError(`Config field '${key}': default ${shown} of ${spec.env} is invalid`);
      }
    }
  }
  if (definition.prefix !== undefined && !ENV_NAME.test(definition.prefix)) {
    throw new TypeError(`Config prefix '${definition.prefix}' is not an UPPER_SNAKE_CASE prefix`);
  }
  return Object.freeze({
    ...(definition.prefix === undefined ? {} : { prefix: definition.prefix }),
    fields: Object.freeze({ ...definition.fields }) as F,
  });
}
