/**
 * The pipeline file against the real catalogue: the examples, the corpus of bad files, YAML 1.1
 * safety as PyYAML sees it, and `pipewright validate` / `fmt` end to end.
 */
import { pythonWith } from '../helpers/python';
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main } from '../../main/cli/main';
import type { CliIO } from '../../main/cli/io';
import { createChecker } from '../../nodes/checker';
import { registry } from '../../nodes/registry';
import { PIPELINE } from '../helpers/pipeline-arbitraries';
import { emptyPipeline, formatPipelineText, loadPipeline, MAX_PIPELINE_BYTES, serializePipeline, type Pipeline } from '../../shared/pipeline';

const ROOT = resolve(__dirname, '../..');
const checker = createChecker(registry);
const SPEC_EXAMPLES = resolve(ROOT, '../shared/spec/examples');
const RES_EXAMPLES = join(ROOT, 'resources/examples');
const BAD = join(ROOT, 'test/fixtures/bad');
const tmp = mkdtempSync(join(tmpdir(), 'pw-pipeline-files-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const yamlFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.pipeline.yaml')).map((f) => join(dir, f));

function capture(): CliIO & { out: string; err: string } {
  const io = { out: '', err: '', isTTY: false, cwd: tmp, stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) };
  return io;
}

describe('examples', () => {
  const files = [...yamlFiles(RES_EXAMPLES), ...(statSync(SPEC_EXAMPLES, { throwIfNoEntry: false }) ? yamlFiles(SPEC_EXAMPLES) : [])];

  it('includes breast-cancer (and its monitoring loop), penguins, seattle-weather, iris and weather-features in resources/examples', () => {
    expect(yamlFiles(RES_EXAMPLES).map((f) => f.split('/').pop()).sort()).toEqual([
      'breast-cancer-monitor.pipeline.yaml', 'breast-cancer-retrain.pipeline.yaml',
      'breast-cancer.pipeline.yaml', 'iris.pipeline.yaml', 'penguins.pipeline.yaml', 'seattle-weather.pipeline.yaml', 'weather-features.pipeline.yaml',
    ]);
  });

  it.each(files)('%s validates with the real registry and is canonical', (file) => {
    const text = readFileSync(file, 'utf8');
    const r = loadPipeline(text, checker);
    expect(r.errors).toEqual([]);
    const f = formatPipelineText(text, checker);
    expect(f.errors).toEqual([]);
    expect(f.changed).toBe(false);
    // canonical without the previous text too, and stable from there
    const fresh = serializePipeline(r.pipeline as Pipeline);
    expect(formatPipelineText(fresh, checker).text).toBe(fresh);
    expect(loadPipeline(fresh, checker).pipeline).toEqual(r.pipeline);
  });

  it('resource examples point at the CSVs in resources/data', () => {
    for (const file of yamlFiles(RES_EXAMPLES)) {
      const p = loadPipeline(readFileSync(file, 'utf8'), checker).pipeline as Pipeline;
      for (const n of p.nodes.filter((x) => x.type === 'data.csv')) {
        expect(statSync(resolve(RES_EXAMPLES, String(n.params.path))).isFile()).toBe(true);
      }
    }
  });
});

describe('bad files', () => {
  const cases = readdirSync(BAD).filter((f) => f.endsWith('.pipeline.yaml'));

  it('has the whole corpus', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  it.each(cases)('%s is refused with its expected error', (name) => {
    const text = readFileSync(join(BAD, name), 'utf8');
    const expected = JSON.parse(readFileSync(join(BAD, name.replace('.pipeline.yaml', '.expected.json')), 'utf8')) as {
      place: string; message: string; line?: number; column?: number; maxMs?: number;
    };
    const t0 = performance.now();
    const r = loadPipeline(text, checker);
    const ms = performance.now() - t0;
    expect(r.pipeline).toBeNull();
    const hit = r.errors.find((e) => e.place === expected.place && e.message.includes(expected.message));
    expect(hit, JSON.stringify(r.errors)).toBeDefined();
    if (expected.line != null) expect(hit?.line).toBe(expected.line);
    if (expected.column != null) expect(hit?.column).toBe(expected.column);
    if (expected.maxMs != null) expect(ms).toBeLessThan(expected.maxMs);
  });

  it('refuses a file over 5 MiB', () => {
    const text = `apiVersion: pipewright/v1\nkind: Pipeline\nmetadata:\n  name: big\nnodes: {}\nx-pad: "${'a'.repeat(MAX_PIPELINE_BYTES)}"\n`;
    const r = loadPipeline(text, checker);
    expect(r.errors).toEqual([{ place: 'document', message: expect.stringMatching(/larger than 5 MiB/) }]);
  });

  it('reports every error of a file at once', () => {
    const text = readFileSync(join(BAD, 'unknown-key.pipeline.yaml'), 'utf8').replace('type: data.csv', 'type: data.csv\n    cache: sometimes');
    const places = loadPipeline(text, checker).errors.map((e) => e.place);
    expect(places).toEqual(expect.arrayContaining(['nodes.load.parms', 'nodes.load.cache', 'nodes.load.params.path']));
  });
});

const pyYaml = pythonWith('yaml');
const hasPyYaml = pyYaml !== null;

/** PyYAML's safe_load of each text, in one python process (starting python is the slow part). */
function pyYamlLoadAll(texts: string[]): unknown[] {
  const file = join(tmp, `batch-${texts.length}.jsonl`);
  writeFileSync(file, texts.map((t) => JSON.stringify(t)).join('\n'));
  const script = 'import json, sys, yaml\nfor line in open(sys.argv[1], encoding="utf-8"):\n    print(json.dumps(yaml.safe_load(json.loads(line))))';
  const out = execFileSync(pyYaml as string, ['-c', script, file], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 }).trimEnd().split('\n');
  return out.map((l) => JSON.parse(l) as unknown);
}

describe.skipIf(!hasPyYaml)('YAML 1.1 safety (PyYAML)', () => {
  const tricky = emptyPipeline('tricky');
  const strings = ['on', 'yes', 'NO', 'y', 'n', 'null', '~', '0777', '1.10', '12:30', '0x1F', '.inf', '1e3', '2012-01-01', '', ' pad ', 'a: b', 'a #b', '<<', '=', 'e0', '.', 'multi\nline', 'tab\t', 'ünï', '${params.seed}', 'a?b'];
  strings.forEach((s, i) => (tricky.params[`s${i}`] = s));
  tricky.params.numbers = [0, -1, 0.2, 1e-7, 1e21, -2.5e-30, 123456789];
  tricky.params.nested = [{ on: 'off', yes: ['no', 'NO', 'a?b'] }, [1, '1']];
  tricky.nodes.push({ id: 'on', type: 'data.csv', inputs: {}, params: { path: 'yes.csv', on: 'y' }, extensions: {} });
  tricky.layout.on = { x: 1.5, y: -2 };
  const trickyText = serializePipeline(tricky);
  const randomTexts = fc.sample(PIPELINE, { numRuns: Number(process.env.PW_FC_RUNS ?? 150), seed: Number(process.env.PW_FC_SEED ?? 42) }).map((p) => serializePipeline(p));
  const exampleTexts = yamlFiles(RES_EXAMPLES).map((f) => readFileSync(f, 'utf8'));
  let loaded: unknown[] = [];
  beforeAll(() => {
    loaded = pyYamlLoadAll([trickyText, ...exampleTexts, ...randomTexts]);
  });

  it('reads back tricky strings and numbers exactly as the yaml package does', () => {
    expect(loaded[0]).toEqual(parse(trickyText, { version: '1.2', schema: 'core' }));
    expect((loaded[0] as { params: Record<string, unknown> }).params.s0).toBe('on');
  });

  it('reads every example the same way', () => {
    exampleTexts.forEach((t, i) => expect(loaded[1 + i]).toEqual(parse(t)));
  });

  it('reads random pipelines exactly as the yaml package does', () => {
    expect(loaded).toHaveLength(1 + exampleTexts.length + randomTexts.length);
    randomTexts.forEach((t, i) => expect(loaded[1 + exampleTexts.length + i], t).toEqual(parse(t, { version: '1.2', schema: 'core' })));
  });
});

describe('pipewright validate', () => {
  it('exits 0 for the examples', async () => {
    const io = capture();
    expect(await main(['validate', ...yamlFiles(RES_EXAMPLES)], io)).toBe(0);
    expect(io.out).toBe('');
  });

  it('lists every error as file:line:col: place: message and exits 2', async () => {
    const io = capture();
    const file = join(BAD, 'cycle.pipeline.yaml');
    expect(await main(['validate', file], io)).toBe(2);
    expect(io.out).toBe(`${file}:9:7: nodes.a.inputs.table: cycle: b -> a -> b\n`);
  });

  it('--json prints exactly the contract shape for one file', async () => {
    const io = capture();
    expect(await main(['validate', join(BAD, 'out-of-range-param.pipeline.yaml'), '--json'], io)).toBe(2);
    expect(JSON.parse(io.out)).toEqual({ errors: [{ place: 'nodes.split.params.testFraction', message: 'must be a number between 0 and 1', line: 15, column: 7 }] });
    const ok = capture();
    expect(await main(['validate', '--json', join(RES_EXAMPLES, 'iris.pipeline.yaml')], ok)).toBe(0);
    expect(JSON.parse(ok.out)).toEqual({ errors: [] });
  });

  it('--json names the file when given several', async () => {
    const io = capture();
    const bad = join(BAD, 'unknown-node-type.pipeline.yaml');
    expect(await main(['validate', '--json', join(RES_EXAMPLES, 'iris.pipeline.yaml'), bad], io)).toBe(2);
    expect(JSON.parse(io.out)).toEqual({ errors: [{ place: 'nodes.load.type', message: "unknown node type 'data.excel'", line: 7, column: 5, file: bad }] });
  });

  it('reports a missing file and usage errors with exit 2', async () => {
    const io = capture();
    expect(await main(['validate', 'nope.pipeline.yaml'], io)).toBe(2);
    expect(io.out).toMatch(/nope\.pipeline\.yaml: document: cannot read the file: no such file/);
    expect(await main(['validate'], capture())).toBe(2);
    expect(await main(['validate', '--frobnicate', 'x'], capture())).toBe(2);
  });
});

describe('pipewright fmt', () => {
  const messy = `apiVersion: 'pipewright/v1'
kind: Pipeline
nodes:
  load:
    params: { path: "data.csv" }   # where the rows come from
    type: data.csv
metadata: { name: messy }
`;
  const canonical = `apiVersion: pipewright/v1
kind: Pipeline
metadata:
  name: messy
nodes:
  load:
    type: data.csv
    params:
      path: data.csv
`;

  it('--check lists a non-canonical file, exits 1 and changes nothing', async () => {
    const file = join(tmp, 'messy.pipeline.yaml');
    writeFileSync(file, messy);
    const io = capture();
    expect(await main(['fmt', '--check', 'messy.pipeline.yaml'], io)).toBe(1);
    expect(io.out).toBe('messy.pipeline.yaml\n');
    expect(readFileSync(file, 'utf8')).toBe(messy);
  });

  it('rewrites in canonical form, keeping comments, and is idempotent', async () => {
    const file = join(tmp, 'messy2.pipeline.yaml');
    writeFileSync(file, messy);
    expect(await main(['fmt', file], capture())).toBe(0);
    const once = readFileSync(file, 'utf8');
    expect(once).toContain('    params: # where the rows come from\n');
    expect(once.replace(' # where the rows come from', '')).toBe(canonical);
    expect(await main(['fmt', '--check', file], capture())).toBe(0);
    expect(await main(['fmt', file], capture())).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(once);
    expect(readdirSync(tmp).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('rewrites the file a symlink points at, keeping the link and the mode', async () => {
    const real = join(tmp, 'real.pipeline.yaml');
    const link = join(tmp, 'link.pipeline.yaml');
    writeFileSync(real, messy, { mode: 0o640 });
    symlinkSync(real, link);
    expect(await main(['fmt', link], capture())).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, 'utf8')).toContain('  name: messy\n');
    expect(statSync(real).mode & 0o777).toBe(0o640);
  });

  it('exits 2 on an invalid file and leaves it alone', async () => {
    const file = join(tmp, 'bad.pipeline.yaml');
    const text = readFileSync(join(BAD, 'cycle.pipeline.yaml'), 'utf8');
    writeFileSync(file, text);
    const io = capture();
    expect(await main(['fmt', file], io)).toBe(2);
    expect(io.err).toContain('nodes.a.inputs.table: cycle');
    expect(readFileSync(file, 'utf8')).toBe(text);
    expect(await main(['fmt'], capture())).toBe(2);
  });
});
