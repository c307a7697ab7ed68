import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  baseImages,
  envOf,
  execForm,
  expandArgs,
  last,
  parseDockerfile,
} from '../src/dockerfile.js';
import { DOCKER_DIR, ROOT_DIR } from '../src/paths.js';
import { hadolint, run } from '../src/tools.js';
import { workspaceServices } from '../src/workspace.js';

/** Each Dockerfile and the build context docker-compose.yml gives it. */
const DOCKERFILES = [
  { file: 'Dockerfile', context: ROOT_DIR },
  { file: 'dbt.Dockerfile', context: ROOT_DIR },
  { file: 'metabase.Dockerfile', context: DOCKER_DIR },
] as const;

const rootPackage = JSON.parse(readFileSync(join(ROOT_DIR, 'package.json'), 'utf8')) as {
  packageManager: string;
};

describe.each(DOCKERFILES)('docker/$file', ({ file, context }) => {
  const path = join(DOCKER_DIR, file);
  const dockerfile = parseDockerfile(path);
  const runtime = dockerfile.stages.at(-1)!;

  it('passes hadolint with docker/hadolint.yaml (every finding fails)', async () => {
    const binary = await hadolint();
    const result = await run(binary, [
      '--config',
      join(DOCKER_DIR, 'hadolint.yaml'),
      '--format',
      'json',
      path,
    ]);
    const findings = JSON.parse(result.stdout || '[]') as Array<{
      line: number;
      code: string;
      message: string;
    }>;
    expect(findings.map((f) => `${file}:${f.line} ${f.code} ${f.message}`)).toEqual([]);
    expect(result.code).toBe(0);
  });

  it('pins every base image to a version (no latest, no bare tag)', () => {
    const images = baseImages(dockerfile);
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) {
      expect(image, `${file}: ARG-expanded base image`).not.toMatch(/\$/);
      const digest = image.includes('@sha256:');
      const tag = /:([^/:@]+)$/.exec(image.split('@')[0]!)?.[1];
      expect(digest || tag !== undefined, `${image} has a tag or digest`).toBe(true);
      if (tag !== undefined) {
        expect(tag, image).not.toMatch(/latest/);
        // A full version, not a floating major like node:20 or python:3.
        expect(tag, `${image} names a full version`).toMatch(/^v?\d+\.\d+(\.\d+|_\d+)?/);
      }
    }
  });

  it('runs as a numeric non-root user in the final stage', () => {
    const user = last(runtime, 'USER');
    expect(user, `${file} sets USER in its last stage`).toBeDefined();
    const uid = user!.args.split(':')[0]!;
    expect(uid, 'numeric, so runAsNonRoot can verify it').toMatch(/^\d+$/);
    expect(Number(uid)).toBeGreaterThan(0);
    // Nothing after USER switches back to root.
    const after = runtime.instructions.filter((i) => i.line > user!.line && i.keyword === 'USER');
    expect(after).toEqual([]);
  });

  it('copies only files that exist in its build context, and has a Dockerfile-specific .dockerignore', () => {
    for (const instruction of dockerfile.instructions.filter((i) => i.keyword === 'COPY')) {
      if (instruction.args.includes('--from=')) continue;
      const words = instruction.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      for (const source of words.slice(0, -1)) {
        const expanded = expandArgs(source, dockerfile.globalArgs);
        expect(
          existsSync(join(context, expanded)),
          `${file}:${instruction.line} COPY ${expanded}`,
        ).toBe(true);
      }
    }
    expect(existsSync(join(DOCKER_DIR, `${file}.dockerignore`))).toBe(true);
  });

  it('declares an ENTRYPOINT in exec form (signals reach the process) and a HEALTHCHECK where it serves one', () => {
    const entrypoint = last(runtime, 'ENTRYPOINT');
    expect(entrypoint).toBeDefined();
    expect(execForm(entrypoint!)).toBeDefined();
    if (file !== 'dbt.Dockerfile') {
      const healthcheck = last(runtime, 'HEALTHCHECK');
      expect(healthcheck, `${file} has a HEALTHCHECK`).toBeDefined();
      expect(healthcheck!.args).toMatch(/CMD \[/);
    }
  });
});

describe('hadolint', () => {
  it('flags a Dockerfile that breaks its rules (the linter really runs with the settings)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hadolint-'));
    try {
      const bad = join(dir, 'Dockerfile');
      writeFileSync(bad, 'FROM ubuntu\nRUN apt-get install curl\nCMD node main.js\n');
      const result = await run(await hadolint(), [
        '--config',
        join(DOCKER_DIR, 'hadolint.yaml'),
        '--format',
        'json',
        bad,
      ]);
      const codes = (JSON.parse(result.stdout) as Array<{ code: string }>).map((f) => f.code);
      expect(codes).toEqual(expect.arrayContaining(['DL3006', 'DL3008', 'DL3025']));
      expect(result.code).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('docker/Dockerfile (every Node service)', () => {
  const dockerfile = parseDockerfile(join(DOCKER_DIR, 'Dockerfile'));
  const build = dockerfile.stages[0]!;
  const runtime = dockerfile.stages.at(-1)!;

  it('starts the service with its package.json start script, for every workspace service', () => {
    const entrypoint = execForm(last(runtime, 'ENTRYPOINT')!)!;
    const services = workspaceServices();
    expect(services.map((s) => s.name)).toEqual(
      expect.arrayContaining([
        'producer',
        'bronze-sink',
        'audit-sink',
        'transformer',
        'warehouse-loader',
        'dashboard',
      ]),
    );
    for (const service of services) {
      expect(service.start, `${service.packageName} start script`).toBe(entrypoint.join(' '));
      // The image runs dist/ with production dependencies: the package must build to it.
      const pkg = JSON.parse(readFileSync(join(service.dir, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      };
      expect(pkg.scripts.build, `${service.packageName} has a build script`).toBeDefined();
    }
  });

  it('runs on the Node major the workspace targets, in production mode, with the pnpm of packageManager', () => {
    const engines = JSON.parse(readFileSync(join(ROOT_DIR, 'package.json'), 'utf8')).engines
      .node as string;
    const major = Number(/(\d+)/.exec(engines)![1]);
    for (const image of baseImages(dockerfile)) {
      expect(image).toMatch(
        new RegExp(`^node:${major}\\.\\d+\\.\\d+-(bookworm|bullseye|trixie)-slim$`),
      );
    }
    expect(envOf(runtime).get('NODE_ENV')).toBe('production');
    const pnpm = build.instructions.find(
      (i) => i.keyword === 'ARG' && i.args.startsWith('PNPM_VERSION='),
    );
    expect(`pnpm@${pnpm?.args.split('=')[1]}`).toBe(rootPackage.packageManager);
  });

  it('installs from the lockfile only and deploys production dependencies only', () => {
    const runs = build.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    expect(runs.some((r) => /pnpm fetch --frozen-lockfile/.test(r))).toBe(true);
    expect(runs.some((r) => /pnpm install --frozen-lockfile --offline/.test(r))).toBe(true);
    expect(runs.some((r) => /pnpm --filter "@lakestream\/\$\{SERVICE\}\.\.\." build/.test(r))).toBe(
      true,
    );
    expect(
      runs.some((r) => /pnpm deploy .*--filter "@lakestream\/\$\{SERVICE\}" --prod \/out/.test(r)),
    ).toBe(true);
    // The runtime stage gets /out and the health check script, nothing else from the build.
    const copies = runtime.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args);
    expect(copies).toEqual([
      '--from=build /out /app',
      'docker/healthcheck.mjs /usr/local/lib/lakestream/healthcheck.mjs',
    ]);
  });

  it('keeps dependencies, build output, local state and credentials out of the build context', () => {
    const ignore = readFileSync(join(DOCKER_DIR, 'Dockerfile.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    for (const pattern of [
      '**/node_modules',
      '**/dist',
      '.git',
      '.lakestream',
      '**/.env',
      '**/*-key.json',
    ]) {
      expect(ignore).toContain(pattern);
    }
  });
});

describe('docker/dbt.Dockerfile', () => {
  const dockerfile = parseDockerfile(join(DOCKER_DIR, 'dbt.Dockerfile'));

  it('installs dbt/requirements.txt under dbt/constraints.txt on the Python minor the constraints were frozen with', () => {
    const constraints = readFileSync(join(ROOT_DIR, 'dbt', 'constraints.txt'), 'utf8');
    const frozen = /Python (\d+\.\d+)/.exec(constraints)?.[1];
    expect(frozen, 'dbt/constraints.txt names its Python version').toBeDefined();
    for (const image of baseImages(dockerfile))
      expect(image).toMatch(new RegExp(`^python:${frozen!.replace('.', '\\.')}\\.\\d+-slim`));
    const install = dockerfile.instructions.find(
      (i) => i.keyword === 'RUN' && i.args.includes('pip install'),
    );
    expect(install?.args).toMatch(
      /-r \/tmp\/dbt\/requirements\.txt -c \/tmp\/dbt\/constraints\.txt/,
    );
  });

  it('runs dbt build on the project with artifacts outside the read-only project folder', () => {
    const runtime = dockerfile.stages.at(-1)!;
    expect(execForm(last(runtime, 'ENTRYPOINT')!)).toEqual(['dbt']);
    expect(execForm(last(runtime, 'CMD')!)).toEqual([
      'build',
      '--project-dir',
      '/app/dbt',
      '--profiles-dir',
      '/app/dbt',
    ]);
    const env = envOf(runtime);
    expect(env.get('DBT_TARGET_PATH')).toMatch(/^\/var\/lib\/lakestream\//);
    expect(env.get('DBT_LOG_PATH')).toMatch(/^\/var\/lib\/lakestream\//);
    expect(env.get('DBT_SEND_ANONYMOUS_USAGE_STATS')).toBe('false');
  });

  it('shell scripts it runs are valid sh', async () => {
    const result = await run('sh', ['-n', join(DOCKER_DIR, 'dbt-loop.sh')]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});
