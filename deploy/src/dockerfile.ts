import { readFileSync } from 'node:fs';

/** One instruction of a Dockerfile, with its continuation lines joined. */
export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY, … */
  keyword: string;
  /** Everything after the keyword, continuation backslashes removed. */
  args: string;
  /** 1-based line the instruction starts on. */
  line: number;
  /** Index of the build stage (0 for instructions before the first FROM too). */
  stage: number;
}

/** A build stage: its FROM line and instructions. */
export interface Stage {
  /** The image reference as written (ARGs not expanded). */
  from: string;
  /** `AS name`, if any. */
  name: string | undefined;
  instructions: Instruction[];
}

/** A parsed Dockerfile: global ARGs (before the first FROM) and stages. */
export interface Dockerfile {
  path: string;
  instructions: Instruction[];
  /** Default values of the ARGs declared before the first FROM. */
  globalArgs: Map<string, string | undefined>;
  stages: Stage[];
}

/**
 * Parses the instruction structure of a Dockerfile: comments and parser directives dropped,
 * continuation lines (`\` at the end) joined. Enough for rule checks; hadolint does the full lint.
 */
export function parseDockerfile(path: string): Dockerfile {
  const lines = readFileSync(path, 'utf8').split('\n');
  const instructions: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  let stage = -1;
  for (const [index, raw] of lines.entries()) {
    const trimmed = raw.trim();
    if (pending === undefined && (trimmed === '' || trimmed.startsWith('#'))) continue;
    if (pending !== undefined && trimmed.startsWith('#')) continue;
    const continued = trimmed.endsWith('\\');
    const text = continued ? trimmed.slice(0, -1).trimEnd() : trimmed;
    pending = pending
      ? { text: `${pending.text} ${text}`, line: pending.line }
      : { text, line: index + 1 };
    if (continued) continue;
    const match = /^(\S+)\s*(.*)$/s.exec(pending.text);
    if (match) {
      const keyword = match[1]!.toUpperCase();
      if (keyword === 'FROM') stage++;
      instructions.push({ keyword, args: match[2]!.trim(), line: pending.line, stage });
    }
    pending = undefined;
  }
  const globalArgs = new Map<string, string | undefined>();
  for (const instruction of instructions) {
    if (instruction.stage >= 0) break;
    if (instruction.keyword === 'ARG') {
      const [name, value] = splitArg(instruction.args);
      globalArgs.set(name, value);
    }
  }
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.stage < 0) continue;
    if (instruction.keyword === 'FROM') {
      const words = instruction.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const as = words.findIndex((w) => w.toUpperCase() === 'AS');
      stages.push({
        from: words[0]!,
        name: as >= 0 ? words[as + 1] : undefined,
        instructions: [],
      });
    }
    stages[instruction.stage]!.instructions.push(instruction);
  }
  return { path, instructions, globalArgs, stages };
}

/** `NAME=value` or `NAME` of an ARG or ENV pair. */
export function splitArg(text: string): [string, string | undefined] {
  const eq = text.indexOf('=');
  if (eq < 0) return [text.trim(), undefined];
  return [text.slice(0, eq).trim(), unquote(text.slice(eq + 1).trim())];
}

function unquote(value: string): string {
  return /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
}

/** Expands `${NAME}` and `$NAME` with the given values (unknown names are left as they are). */
export function expandArgs(text: string, values: ReadonlyMap<string, string | undefined>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (all, a, b) => {
    const value = values.get((a ?? b) as string);
    return value ?? all;
  });
}

/** The image each stage's FROM names, with global ARG defaults expanded. */
export function baseImages(dockerfile: Dockerfile): string[] {
  const stageNames = new Set(dockerfile.stages.map((s) => s.name).filter(Boolean));
  return dockerfile.stages
    .map((stage) => expandArgs(stage.from, dockerfile.globalArgs))
    .filter((image) => !stageNames.has(image));
}

/** The exec-form (JSON array) arguments of an instruction, or undefined for the shell form. */
export function execForm(instruction: Instruction): string[] | undefined {
  const args = instruction.args.replace(/^--\S+\s+/g, '');
  if (!args.startsWith('[')) return undefined;
  const parsed: unknown = JSON.parse(args);
  return Array.isArray(parsed) ? parsed.map(String) : undefined;
}

/** ENV pairs of a stage (`ENV A=1 B=2` and the legacy `ENV A 1`). */
export function envOf(stage: Stage): Map<string, string> {
  const env = new Map<string, string>();
  for (const instruction of stage.instructions) {
    if (instruction.keyword !== 'ENV') continue;
    if (!instruction.args.includes('=')) {
      const [name, ...rest] = instruction.args.split(/\s+/);
      env.set(name!, rest.join(' '));
      continue;
    }
    for (const pair of instruction.args.match(/[A-Za-z_][A-Za-z0-9_]*=("[^"]*"|'[^']*'|\S*)/g) ??
      []) {
      const [name, value] = splitArg(pair);
      env.set(name, value ?? '');
    }
  }
  return env;
}

/** The last instruction of a keyword in a stage. */
export function last(stage: Stage, keyword: string): Instruction | undefined {
  return stage.instructions.filter((i) => i.keyword === keyword).at(-1);
}
