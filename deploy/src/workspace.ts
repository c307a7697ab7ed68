import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ConfigDefinition } from '@lakestream/config';
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
 * A service's configuration schema, imported from its src/config.ts: the one export built with
 * `defineConfig`. The deploy tests load each container's environment with it, exactly as the
 * service does at start (unknown prefixed variables included).
 */
export async function serviceConfigDefinition(name: string): Promise<ConfigDefinition> {
  const file = join(ROOT_DIR, 'services', name, 'src', 'config.ts');
  const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const definitions = Object.values(module).filter(isConfigDefinition);
  if (definitions.length !== 1) {
    throw new Error(
      `services/${name}/src/config.ts exports ${definitions.length} config definitions, expected 1`,
    );
  }
  return definitions[0]!;
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
  const load = async (path: string) =>
    (await import(pathToFileURL(join(ROOT_DIR, 'services', name, 'src', path)).href)) as Record<
      string,
      unknown
    >;
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
      return command.kind === 'run' || command.kind === 'worker' || command.kind === 'db-worker'
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
    default:
      return args.length === 0 ? undefined : `${name} takes no arguments, got ${args.join(' ')}`;
  }
}
