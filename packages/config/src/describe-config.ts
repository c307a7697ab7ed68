import type { z } from 'zod';
import type { ConfigDefinition, FieldSpec } from './define-config.js';
import { envVarTypes } from './env-vars.js';
import { REDACTED } from './redact-config.js';

interface SchemaDef {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  entries?: Record<string, string>;
}

/** Human-readable format of a schema: the `envVar` description, else a best effort from zod. */
function describeType(schema: z.ZodType): string {
  const registered = envVarTypes.get(schema);
  if (registered) return registered.type;
  const def = schema.def as unknown as SchemaDef;
  switch (def.type) {
    case 'optional':
    case 'default':
    case 'prefault':
    case 'nullable':
    case 'readonly':
      return def.innerType ? describeType(def.innerType) : def.type;
    case 'pipe':
      return def.in ? describeType(def.in) : def.type;
    case 'enum':
      return Object.values(def.entries ?? {}).join('|');
    default:
      return def.type;
  }
}

/** The default as documented: the env spelling, else a zod `.default()` value, else none. */
function describeDefault(spec: FieldSpec): string | undefined {
  if (spec.default !== undefined) return spec.secret ? REDACTED : spec.default;
  const absent = spec.schema.safeParse(undefined);
  if (!absent.success || absent.data === undefined) return undefined;
  if (spec.secret) return REDACTED;
  return typeof absent.data === 'string' ? absent.data : JSON.stringify(absent.data);
}

function isRequired(spec: FieldSpec): boolean {
  return spec.default === undefined && !spec.schema.safeParse(undefined).success;
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function code(text: string): string {
  return `\`${text}\``;
}

/**
 * Markdown table documenting every variable of a definition (variable, type, default, required,
 * secret, description), generated from the same source that validates them.
 */
export function describeConfig(definition: ConfigDefinition): string {
  const rows = Object.values(definition.fields).map((spec) => {
    const fallback = describeDefault(spec);
    const description =
      spec.example === undefined ? spec.doc : `${spec.doc} Example: ${code(spec.example)}`;
    return [
      code(spec.env),
      describeType(spec.schema),
      fallback === undefined ? '' : code(fallback),
      isRequired(spec) ? 'yes' : 'no',
      spec.secret ? 'yes' : 'no',
      description,
    ].map(cell);
  });
  const header = ['Variable', 'Type', 'Default', 'Required', 'Secret', 'Description'];
  const lines = [header, header.map(() => '---'), ...rows].map((row) => `| ${row.join(' | ')} |`);
  if (definition.prefix !== undefined) {
    lines.push(
      '',
      `Any other variable starting with ${code(definition.prefix)} is rejected as unknown.`,
    );
  }
  return `${lines.join('\n')}\n`;
}
