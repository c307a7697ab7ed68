/** The export's configuration (profiles, file, environment), command line, and documented codes. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseExportArgs } from '../src/export/cli.js';
import { loadExportConfig } from '../src/export/config.js';
import { EXPORT_ERROR_CODES } from '../src/export/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'export-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(content: unknown): string {
  const path = join(dir, `${Math.random()}.json`);
  writeFileSync(path, JSON.stringify(content));
  return path;
}

const profiles = {
  profiles: {
    dev: { projects: ['acme-dev'], collections: ['teams', 'pods'] },
    prod: { projects: ['acme-prod', 'acme-tools'], collections: ['teams'], subcollections: true },
  },
  page_size: 200,
};

describe('export: config', () => {
  it('reads the file FIRESTORE_EXPORT_CONFIG names, and refuses a profile without a file', () => {
    const viaEnv = loadExportConfig({
      profile: 'prod',
      env: { FIRESTORE_EXPORT_CONFIG: file(profiles) },
    });
    expect(viaEnv.projects).toEqual(['acme-prod', 'acme-tools']);
    for (const sources of [
      { profile: 'prod', env: {} },
      { env: { FIRESTORE_EXPORT_PROFILE: 'prod' } },
    ]) {
      expect(() => loadExportConfig(sources)).toThrow(
        expect.objectContaining({
          code: 'LS_FIRESTORE_EXPORT_CONFIG_INVALID',
          message: expect.stringContaining("profile 'prod' needs the config file"),
        }),
      );
    }
  });

  it('takes projects and collections from the chosen profile, the rest from the file', () => {
    const dev = loadExportConfig({ file: file(profiles), env: {} });
    expect([dev.projects, dev.collections, dev.subcollections, dev.pageSize]).toEqual([
      ['acme-dev'],
      ['teams', 'pods'],
      false,
      200,
    ]);
    const prod = loadExportConfig({ file: file(profiles), profile: 'prod', env: {} });
    expect([prod.projects, prod.subcollections]).toEqual([['acme-prod', 'acme-tools'], true]);
    const fromEnv = loadExportConfig({
      file: file(profiles),
      env: { FIRESTORE_EXPORT_PROFILE: 'prod' },
    });
    expect(fromEnv.projects).toEqual(['acme-prod', 'acme-tools']);
  });

  it('lets the environment win and needs no file', () => {
    const config = loadExportConfig({
      file: file(profiles),
      env: { FIRESTORE_EXPORT_COLLECTIONS: 'pods', FIRESTORE_EXPORT_PAGE_SIZE: '50' },
    });
    expect([config.collections, config.pageSize]).toEqual([['pods'], 50]);
    const bare = loadExportConfig({
      env: { FIRESTORE_EXPORT_PROJECTS: 'p1', FIRESTORE_EXPORT_COLLECTIONS: 'teams' },
    });
    expect([bare.pageSize, bare.manifestTopic, bare.loaderGroup, bare.waitTimeoutMs]).toEqual([
      500,
      'lakestream.bronze.files.v1',
      'lakestream-warehouse-loader-documents',
      600_000,
    ]);
  });

  it('refuses an unknown profile, an unknown key and a bad collection id with clear errors', () => {
    expect(() => loadExportConfig({ file: file(profiles), profile: 'qa', env: {} })).toThrow(
      "no profile 'qa' (profiles: dev, prod)",
    );
    expect(() => loadExportConfig({ file: file({ ...profiles, pagesize: 1 }), env: {} })).toThrow(
      'unknown keys pagesize',
    );
    expect(() =>
      loadExportConfig({
        env: { FIRESTORE_EXPORT_PROJECTS: 'p1', FIRESTORE_EXPORT_COLLECTIONS: 'a/b' },
      }),
    ).toThrow(/FIRESTORE_EXPORT_COLLECTIONS/);
  });

  it('reads the command line', () => {
    expect(parseExportArgs(['--profile', 'prod', '--every', '24h', '--no-wait'])).toEqual({
      kind: 'run',
      profile: 'prod',
      noWait: true,
      everyMs: 86_400_000,
    });
    expect(parseExportArgs(['--run-id', 'a/b']).kind).toBe('error');
    expect(parseExportArgs(['--run-id', 'r1', '--every', '1h']).kind).toBe('error');
    expect(parseExportArgs(['--every', '10ms']).kind).toBe('error');
  });

  it('documents every error code in docs/export.md', () => {
    const docs = readFileSync(new URL('../docs/export.md', import.meta.url), 'utf8');
    for (const code of EXPORT_ERROR_CODES) expect(docs).toContain(`\`${code}\``);
  });
});
