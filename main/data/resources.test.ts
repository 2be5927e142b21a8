import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DATA_DIR } from '../../test/helpers/node-context';
import { findResourcesDir } from './resources';

describe('findResourcesDir', () => {
  const saved = process.env.PIPEWRIGHT_RESOURCES;
  afterEach(() => {
    if (saved === undefined) delete process.env.PIPEWRIGHT_RESOURCES;
    else process.env.PIPEWRIGHT_RESOURCES = saved;
  });

  it('finds resources/data from the sources', () => {
    delete process.env.PIPEWRIGHT_RESOURCES;
    expect(findResourcesDir()).toBe(DATA_DIR);
  });

  it('prefers PIPEWRIGHT_RESOURCES when it holds the sample data', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-res-'));
    try {
      mkdirSync(join(dir, 'data'));
      writeFileSync(join(dir, 'data', 'iris.csv'), 'a\n1\n');
      process.env.PIPEWRIGHT_RESOURCES = join(dir, 'data');
      expect(findResourcesDir()).toBe(join(dir, 'data'));
      process.env.PIPEWRIGHT_RESOURCES = join(dir, 'nothing-here');
      expect(findResourcesDir()).toBe(DATA_DIR);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
