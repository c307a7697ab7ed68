import { existsSync, readFileSync, statSync } from 'node:fs';
import { parse } from 'yaml';
import { COMPOSE_FILE } from './paths.js';
import { goTool, run } from './tools.js';

/** A service of the resolved Compose project (the subset the tests read). */
export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string; args?: Record<string, string | null> };
  command?: string[] | null;
  entrypoint?: string[] | null;
  environment?: Record<string, string | null>;
  depends_on?: Record<string, { condition: string; required?: boolean }>;
  healthcheck?: { test?: string[]; disable?: boolean; interval?: string };
  stop_grace_period?: string;
  restart?: string;
  ports?: Array<{ target: number; published?: string; host_ip?: string }>;
  volumes?: Array<{ type: string; source?: string; target: string; read_only?: boolean }>;
  profiles?: string[];
}

/** The resolved project, as `docker compose config --format json` prints it. */
export interface ComposeProject {
  name: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** The compose profiles of docker-compose.yml: services `docker compose up` starts only when asked. */
export const COMPOSE_PROFILES = ['db-source', 'document-sources', 'statistics'] as const;

/**
 * docker-compose.yml loaded by the compose-spec reference loader (deploy/tools/compose-config):
 * interpolated with `env` only (plus PATH/HOME), validated, normalized and consistency-checked,
 * with the services of `profiles` as well as those without a profile.
 */
export async function loadComposeProject(
  env: Record<string, string> = {},
  file: string = COMPOSE_FILE,
  profiles: readonly string[] = [],
): Promise<ComposeProject> {
  const binary = await goTool('compose-config');
  const args = [...profiles.flatMap((profile) => ['--profile', profile]), file];
  const result = await run(binary, args, {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
  });
  if (result.code !== 0) throw new Error(`compose-config ${file}: ${result.stderr.trim()}`);
  return JSON.parse(result.stdout) as ComposeProject;
}

/** docker-compose.yml as written, YAML merge keys (`<<: *anchor`) resolved. */
export function readComposeYaml(file: string = COMPOSE_FILE): unknown {
  return parse(readFileSync(file, 'utf8'), { merge: true });
}

/** Seconds of a Go-style duration as Compose prints it (`1m30s`, `45s`, `500ms`, `2h`). */
export function durationSeconds(text: string): number {
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001, us: 1e-6, ns: 1e-9 };
  let total = 0;
  let rest = text.trim();
  if (rest === '0') return 0;
  while (rest !== '') {
    const match = /^(\d+(?:\.\d+)?)(ms|us|ns|h|m|s)/.exec(rest);
    if (!match) throw new Error(`not a duration: '${text}'`);
    total += Number(match[1]) * units[match[2]!]!;
    rest = rest.slice(match[0].length);
  }
  return total;
}

/**
 * The files a service's single-file bind mounts show inside its container, by container path
 * (mounted folders are left out: the producer's holds the sample CSV).
 */
export function boundFiles(spec: ComposeService): Record<string, string> {
  const files: Record<string, string> = {};
  for (const volume of spec.volumes ?? []) {
    if (volume.type !== 'bind' || volume.source === undefined) continue;
    if (existsSync(volume.source) && statSync(volume.source).isFile()) {
      files[volume.target] = readFileSync(volume.source, 'utf8');
    }
  }
  return files;
}
