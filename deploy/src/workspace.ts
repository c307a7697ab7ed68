import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type ConfigDefinition, loadConfig } from '@lakestream/config';
import { ROOT_DIR } from './paths.js';

/** A deployable of the workspace: a folder of services/ with a `start` script. */
export interface WorkspaceService {
  /** Folder name, also the SERVICE build argument and the image name. */
  name: string;
  /** The package name, `@lakestream/<name>`. */
  packageName: string;
  /** The package's folder. */
  dir: string;
  /** Its package.json `start` script. */
  start: string;
}

interface PackageJson {
  name?: string;
  scripts?: Record<string, string>;
}

/** Every services/<name> with a package.json `start` script, sorted by name. */
export function workspaceServices(): WorkspaceService[] {
  const servicesDir = join(ROOT_DIR, 'services');
  return readdirSync(servicesDir)
    .sort()
    .flatMap((name) => {
      const file = join(servicesDir, name, 'package.json');
      if (!existsSync(file)) return [];
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
      const start = pkg.scripts?.start;
      if (start === undefined || pkg.name === undefined) return [];
      return [{ name, packageName: pkg.name, dir: join(servicesDir, name), start }];
    });
}

/** The workspace service of a name, or undefined. */
export function workspaceService(name: string): WorkspaceService | undefined {
  return workspaceServices().find((service) => service.name === name);
}

function isConfigDefinition(value: unknown): value is ConfigDefinition {
  if (typeof value !== 'object' || value === null || !('fields' in value)) return false;
  const fields = (value as { fields: unknown }).fields;
  if (typeof fields !== 'object' || fields === null) return false;
  const specs = Object.values(fields);
  return (
    specs.length > 0 &&
    specs.every((spec) => typeof spec === 'object' && spec !== null && 'env' in spec)
  );
}

/**
 * The config module of each command, for services whose commands are configured by different
 * schemas (firestore-source: the export's, and the quality-report commands'). Other services have
 * one, src/config.ts.
 */
const COMMAND_CONFIG_MODULES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'firestore-source': {
    export: 'export/config.ts',
    backfill: 'quality/config.ts',
    'quality-events': 'quality/config.ts',
  },
};

async function importServiceModule(name: string, path: string): Promise<Record<string, unknown>> {
  const file = join(ROOT_DIR, 'services', name, 'src', path);
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

/**
 * A service's configuration schema, imported from its src/config.ts (or, for a service with a
 * schema per command, the module of the command its arguments name): the one export built with
 * `defineConfig`. The deploy tests load each container's environment with it, exactly as the
 * service does at start (unknown prefixed variables included).
 */
export async function serviceConfigDefinition(
  name: string,
  args: readonly string[] = [],
): Promise<ConfigDefinition> {
  const modules = COMMAND_CONFIG_MODULES[name];
  const path = modules === undefined ? 'config.ts' : modules[args[0] ?? ''];
  if (path === undefined) {
    throw new Error(`services/${name}: no configuration for the command '${args[0] ?? ''}'`);
  }
  const module = await importServiceModule(name, path);
  const definitions = Object.values(module).filter(isConfigDefinition);
  if (definitions.length !== 1) {
    throw new Error(
      `services/${name}/src/${path} exports ${definitions.length} config definitions, expected 1`,
    );
  }
  return definitions[0]!;
}

/**
 * Loads a container's configuration as its service does at start: the schema of its command, and
 * for `firestore-source export` also the config file (`--config`, read from `files`, the
 * container's mounted files by path) and the profile its arguments name. Throws ConfigError (or
 * the service's own error for a bad file) as the service would.
 */
export async function loadServiceConfig(
  name: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  files: Readonly<Record<string, string>> = {},
): Promise<Record<string, unknown>> {
  if (name === 'firestore-source' && args[0] === 'export') {
    const { parseExportArgs } = await importServiceModule(name, 'export/cli.ts');
    const command = (
      parseExportArgs as (a: readonly string[]) => {
        kind: string;
        configFile?: string;
        profile?: string;
      }
    )(args.slice(1));
    const { loadExportConfig } = await importServiceModule(name, 'export/config.ts');
    const load = loadExportConfig as (sources: {
      file?: string;
      profile?: string;
      env?: NodeJS.ProcessEnv;
    }) => Record<string, unknown>;
    const sources = { ...(command.profile === undefined ? {} : { profile: command.profile }), env };
    if (command.configFile === undefined) return load(sources);
    const text = files[command.configFile];
    if (text === undefined) throw new Error(`${command.configFile} is not mounted`);
    const dir = mkdtempSync(join(tmpdir(), 'lakestream-config-'));
    try {
      const file = join(dir, 'config.json');
      writeFileSync(file, text);
      return load({ ...sources, file });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return loadConfig(await serviceConfigDefinition(name, args), env) as Record<string, unknown>;
}

/**
 * Checks the arguments a container passes to `node dist/main.js` with the service's own
 * command-line parser; returns why they are rejected, or undefined when the service accepts them.
 * Services without a command line take no arguments.
 */
export async function checkServiceArgs(
  name: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  const load = (path: string) => importServiceModule(name, path);
  switch (name) {
    case 'producer': {
      const { parseCliArgs } = await load('cli-options.ts');
      const command = (
        parseCliArgs as (
          a: readonly string[],
          e: NodeJS.ProcessEnv,
        ) => {
          kind: string;
          message?: string;
        }
      )(args, env);
      return command.kind === 'run' ? undefined : (command.message ?? `parsed as ${command.kind}`);
    }
    case 'transformer': {
      const { parseCommandLine } = await load('cli.ts');
      try {
        const command = (parseCommandLine as (a: readonly string[]) => { name: string })(args);
        return command.name === 'help'
          ? 'parsed as help: the container would only print usage'
          : undefined;
      } catch (err) {
        return (err as Error).message;
      }
    }
    case 'warehouse-loader': {
      const { parseCliArgs } = await load('cli.ts');
      const command = (
        parseCliArgs as (a: readonly string[]) => { kind: string; message?: string }
      )(args);
      return ['run', 'worker', 'db-worker', 'documents-worker'].includes(command.kind)
        ? undefined
        : (command.message ?? `parsed as ${command.kind}`);
    }
    case 'db-sync': {
      const { parseCliArgs } = await load('cli.ts');
      const command = (
        parseCliArgs as (a: readonly string[]) => { kind: string; message?: string }
      )(args);
      return command.kind === 'run' || command.kind === 'topics' || command.kind === 'status'
        ? undefined
        : (command.message ?? `parsed as ${command.kind}`);
    }
    case 'firestore-source':
      return checkFirestoreSourceArgs(args, load);
    case 'eurostat-source':
      return checkEurostatSourceArgs(args, load);
    default:
      return args.length === 0 ? undefined : `${name} takes no arguments, got ${args.join(' ')}`;
  }
}

/** firestore-source's commands, each with the parser its module dispatches to. */
async function checkFirestoreSourceArgs(
  args: readonly string[],
  load: (path: string) => Promise<Record<string, unknown>>,
): Promise<string | undefined> {
  const [command, ...rest] = args;
  const parsers: Record<string, [string, string]> = {
    export: ['export/cli.ts', 'parseExportArgs'],
    backfill: ['quality/backfill-cli.ts', 'parseBackfillArgs'],
    'quality-events': ['quality/events-cli.ts', 'parseEventsArgs'],
  };
  const parser = parsers[command ?? ''];
  if (parser === undefined) {
    return `firestore-source: a deployed command is one of ${Object.keys(parsers).join(', ')}, got '${command ?? ''}'`;
  }
  const parse = (await load(parser[0]))[parser[1]] as (a: readonly string[]) => {
    kind: string;
    message?: string;
  };
  const parsed = parse(rest);
  return parsed.kind === 'run' ? undefined : (parsed.message ?? `parsed as ${parsed.kind}`);
}

/**
 * eurostat-source's deployed commands: `catalog` and `watch` with the parser they share, and
 * `worker`, which must exist as a command module (src/commands/worker.ts) and takes no arguments.
 */
async function checkEurostatSourceArgs(
  args: readonly string[],
  load: (path: string) => Promise<Record<string, unknown>>,
): Promise<string | undefined> {
  const [command, ...rest] = args;
  if (command === 'catalog' || command === 'watch') {
    const { parseScheduleArgs } = await load('catalog/cli.ts');
    const parsed = (
      parseScheduleArgs as (a: readonly string[]) => { kind: string; message?: string }
    )(rest);
    return parsed.kind === 'run' ? undefined : (parsed.message ?? `parsed as ${parsed.kind}`);
  }
  if (command === 'worker') {
    const module = join(ROOT_DIR, 'services', 'eurostat-source', 'src', 'commands', 'worker.ts');
    if (!existsSync(module)) return `eurostat-source has no worker command (${module})`;
    return rest.length === 0 ? undefined : `worker takes no arguments, got ${rest.join(' ')}`;
  }
  return `eurostat-source: a deployed command is one of catalog, watch, worker, got '${command ?? ''}'`;
}
