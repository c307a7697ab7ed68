import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LAKESTREAM_HOME, resolveLakestreamHome } from '../src/index.js';

const projectRoot = resolve(import.meta.dirname, '../../..');

describe('resolveLakestreamHome', () => {
  it("takes the default as the project's .lakestream/, whatever the working directory", () => {
    expect(resolveLakestreamHome(DEFAULT_LAKESTREAM_HOME, '/tmp')).toBe(
      join(projectRoot, '.lakestream'),
    );
    expect(resolveLakestreamHome(DEFAULT_LAKESTREAM_HOME, join(projectRoot, 'services/x'))).toBe(
      join(projectRoot, '.lakestream'),
    );
  });

  it('keeps an absolute path, and takes another relative one from the working directory', () => {
    expect(resolveLakestreamHome('/srv/lakestream', '/tmp')).toBe('/srv/lakestream');
    expect(resolveLakestreamHome('state', '/srv')).toBe('/srv/state');
  });
});
