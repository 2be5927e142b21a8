/**
 * `pipewright export`: every example's Argo export validates against Argo's own JSON Schema
 * (the Workflow definition) and passes the checks the schema cannot make (names, `depends`,
 * unknown keys); every GitHub Actions export validates against SchemaStore's schema, also when
 * read by a YAML 1.1 reader; the golden exports match byte for byte (UPDATE_GOLDEN=1 rewrites).
 * A pipeline ending in deploy.register: the Argo Workflow leaves the register node out (named in
 * its header and on stderr, since a pod has no project file) and still validates; the GitHub
 * Actions workflow of the same file, its steps run here, registers the model into the project
 * file it uploads. A pipeline that reads the prediction log (data.predictions) is refused for Argo.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Ajv from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadForExport, exportText } from '../../main/cli/commands/export';
import { main } from '../../main/cli/main';
import type { CliIO } from '../../main/cli/io';
import { DNS_LABEL_RE } from '../../main/export/graph';

const root = resolve(__dirname, '..', '..');
const shared = resolve(root, '..', 'shared');
const goldenDir = join(root, 'test', 'golden');

type Schema = { [key: string]: unknown };
type Obj = { [key: string]: unknown };

const argoSchema = JSON.parse(readFileSync(join(shared, 'schemas', 'argo-workflows.schema.json'), 'utf8')) as Schema & { definitions: Record<string, Schema> };
const ghSchema = JSON.parse(readFileSync(join(shared, 'schemas', 'github-workflow.schema.json'), 'utf8')) as Schema;

const WORKFLOW_DEF = 'io.argoproj.workflow.v1alpha1.Workflow';
const ajv2020 = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv2020);
ajv2020.addSchema(argoSchema, 'argo');
const validateArgo = ajv2020.compile({ $ref: `argo#/definitions/${WORKFLOW_DEF}` });
const ajv7 = new Ajv({ strict: false, allErrors: true });
addFormats(ajv7);
const validateGithub = ajv7.compile(ghSchema);

function examples(): string[] {
  const dirs = [join(shared, 'spec', 'examples'), join(root, 'resources', 'examples')];
  return dirs.flatMap((d) => (existsSync(d) ? readdirSync(d).filter((f) => f.endsWith('.pipeline.yaml')).map((f) => join(d, f)) : []));
}

async function exportFile(file: string, to: 'argo' | 'github-actions', extra: { gpu?: boolean } = {}): Promise<string> {
  const errors: string[] = [];
  const io: CliIO = { stdout: () => {}, stderr: (t) => errors.push(t), isTTY: false, cwd: root };
  const p = await loadForExport(file, io);
  if (!p) throw new Error(errors.join(''));
  return exportText(p, { file, to, gpu: extra.gpu ?? false });
}

/** Both YAML versions read the same values (Kubernetes and PyYAML read 1.1, the yaml package 1.2). */
function readBoth(text: string): Obj {
  const v12 = YAML.parse(text, { version: '1.2' }) as Obj;
  const v11 = YAML.parse(text, { version: '1.1' }) as Obj;
  expect(v11).toEqual(v12);
  return v12;
}

const deref = (s: Schema): Schema => {
  let out = s;
  while (typeof out.$ref === 'string') out = argoSchema.definitions[(out.$ref as string).replace('#/definitions/', '')];
  return out;
};

/** Every key of every object must be a property its schema definition declares. */
function unknownKeys(value: unknown, schema: Schema, path: string, out: string[]): string[] {
  const s = deref(schema);
  if (Array.isArray(value)) {
    if (s.items) value.forEach((v, i) => unknownKeys(v, s.items as Schema, `${path}[${i}]`, out));
    return out;
  }
  if (!value || typeof value !== 'object') return out;
  const props = s.properties as Record<string, Schema> | undefined;
  const extra = typeof s.additionalProperties === 'object' ? (s.additionalProperties as Schema) : undefined;
  for (const [k, v] of Object.entries(value as Obj)) {
    if (props && k in props) unknownKeys(v, props[k], `${path}.${k}`, out);
    else if (extra) unknownKeys(v, extra, `${path}.${k}`, out);
    else out.push(`${path}.${k}`);
  }
  return out;
}

interface Task {
  name: string;
  template: string;
  depends?: string;
  arguments?: { artifacts?: { name: string; from: string }[] };
}

/** The checks Argo's schema cannot make. */
function argoChecks(wf: Obj): void {
  expect(wf).not.toHaveProperty('status');
  expect(unknownKeys(wf, { $ref: `#/definitions/${WORKFLOW_DEF}` }, 'workflow', [])).toEqual([]);
  const spec = wf.spec as { entrypoint: string; templates: Obj[]; arguments?: { parameters: { name: string; value: unknown }[] }; securityContext: Obj };
  expect(spec.securityContext.runAsNonRoot).toBe(true);
  expect(spec.securityContext.runAsUser).toBeGreaterThan(0);
  const names = spec.templates.map((t) => t.name as string);
  expect(new Set(names).size).toBe(names.length);
  for (const t of spec.templates as { inputs?: { artifacts?: { name: string; path: string }[] }; outputs?: { artifacts?: { name: string }[]; parameters?: { name: string }[] } }[]) {
    const ins = t.inputs?.artifacts ?? [];
    expect(new Set(ins.map((a) => a.name)).size).toBe(ins.length);
    expect(new Set(ins.map((a) => a.path)).size).toBe(ins.length);
    const outs = [...(t.outputs?.artifacts ?? []), ...(t.outputs?.parameters ?? [])];
    for (const a of [...ins, ...outs]) expect(a.name).toMatch(/^[-a-zA-Z0-9_]+$/);
  }
  for (const n of names) expect(n).toMatch(DNS_LABEL_RE);
  for (const p of spec.arguments?.parameters ?? []) expect(typeof p.value).toBe('string');
  const dag = spec.templates.find((t) => t.name === spec.entrypoint) as { dag: { tasks: Task[] } };
  const tasks = dag.dag.tasks;
  const taskNames = new Set(tasks.map((t) => t.name));
  expect(taskNames.size).toBe(tasks.length);
  for (const t of tasks) {
    expect(t.name).toMatch(DNS_LABEL_RE);
    expect(names).toContain(t.template);
    const depends = new Set((t.depends ?? '').split('&&').map((d) => d.trim()).filter(Boolean));
    for (const d of depends) expect(taskNames).toContain(d);
    // every {{tasks.X...}} anywhere in the task names X in depends
    for (const m of JSON.stringify(t).matchAll(/\{\{tasks\.([^.}]+)\./g)) expect(depends, `${t.name} -> ${m[1]}`).toContain(m[1]);
    // an input artifact comes from an output artifact the upstream template declares
    for (const a of t.arguments?.artifacts ?? []) {
      const m = /^\{\{tasks\.([^.]+)\.outputs\.artifacts\.([^.}]+)\}\}$/.exec(a.from);
      expect(m, a.from).not.toBeNull();
      const upTask = tasks.find((x) => x.name === (m as RegExpExecArray)[1]) as Task;
      const upTemplate = spec.templates.find((x) => x.name === upTask.template) as { outputs: { artifacts: { name: string }[] } };
      expect(upTemplate.outputs.artifacts.map((o) => o.name)).toContain((m as RegExpExecArray)[2]);
    }
  }
  // no credentials anywhere: artifacts go through the cluster's default repository
  const text = JSON.stringify(wf);
  for (const secret of ['accessKeySecret', 'secretKeySecret', 's3', 'password', 'token']) expect(text).not.toContain(`"${secret}"`);
}

describe('Argo export of every example', () => {
  const files = examples();
  it('finds the examples', () => expect(files.length).toBeGreaterThanOrEqual(3));
  for (const file of files) {
    // the prediction log is in the project file, which a pod has not got: such a pipeline is refused
    const readsLog = /\n {4}type: data\.predictions\n/.test(readFileSync(file, 'utf8'));
    if (readsLog) {
      it(`${file.slice(file.lastIndexOf('/') + 1)}: refused, naming the node that reads the prediction log`, async () => {
        await expect(exportFile(file, 'argo')).rejects.toThrow(/^nodes\.\w+: data\.predictions works on the project file .*pipewright run/);
      });
      continue;
    }
    for (const gpu of [false, true]) {
      it(`${file.slice(file.lastIndexOf('/') + 1)}${gpu ? ' --gpu' : ''}: valid against the schema and our checks`, async () => {
        const wf = readBoth(await exportFile(file, 'argo', { gpu }));
        const ok = validateArgo(wf);
        expect(validateArgo.errors ?? [], JSON.stringify(validateArgo.errors?.slice(0, 5))).toEqual([]);
        expect(ok).toBe(true);
        argoChecks(wf);
        const templates = (wf.spec as { templates: { container?: { resources?: { limits?: Obj } } }[] }).templates;
        const gpus = templates.filter((t) => t.container?.resources?.limits?.['nvidia.com/gpu'] === '1').length;
        // --gpu asks for a GPU on the trainers' pods: a pipeline without a trainer (monitoring) has none
        const trains = /\n {4}type: train\./.test(readFileSync(file, 'utf8'));
        if (gpu && trains) expect(gpus).toBeGreaterThan(0);
        else expect(gpus).toBe(0);
      });
    }
  }

  it('ships the canonical pipeline in each pod and runs run-node with the right ports', async () => {
    const file = join(shared, 'spec', 'examples', 'breast-cancer.pipeline.yaml');
    const wf = readBoth(await exportFile(file, 'argo')) as { spec: { templates: Obj[] } };
    const split = wf.spec.templates.find((t) => t.name === 'split-node') as {
      inputs: { artifacts: { name: string; path: string; raw?: { data: string } }[] };
      outputs: { artifacts: { name: string; path: string }[] };
      container: { args: string[] };
    };
    const raw = split.inputs.artifacts.find((a) => a.raw) as { path: string; raw: { data: string } };
    expect(raw.path).toBe('/work/pipeline.yaml');
    expect((YAML.parse(raw.raw.data) as Obj).metadata).toEqual({ name: 'breast-cancer', description: expect.any(String) });
    expect(split.inputs.artifacts.filter((a) => !a.raw).map((a) => a.path)).toEqual(['/in/table']);
    expect(split.outputs.artifacts.map((a) => a.path)).toEqual(['/out/train', '/out/test']);
    expect(split.container.args).toEqual(['run-node', '/work/pipeline.yaml', '--node', 'split', '--in', '/in', '--out', '/out', '--param', 'seed={{workflow.parameters.seed}}']);
  });

  it('keys memoization on params: changing a param upstream changes every key downstream', async () => {
    const file = join(goldenDir, 'fan-out.pipeline.yaml');
    const keys = async (testFraction: number) => {
      const io: CliIO = { stdout: () => {}, stderr: () => {}, isTTY: false, cwd: root };
      // the same pipeline with another testFraction, in the same folder (its data paths are relative)
      const copy = join(goldenDir, `.fan-out-${process.pid}.pipeline.yaml`);
      writeFileSync(copy, readFileSync(file, 'utf8').replace('testFraction: 0.25', `testFraction: ${testFraction}`));
      try {
        const p = (await loadForExport(copy, io))!;
        expect(p.nodes.get('split')?.params.testFraction).toBe(testFraction);
        const wf = YAML.parse(await exportText(p, { file: copy, to: 'argo', gpu: false })) as { spec: { templates: { name: string; memoize?: { key: string } }[] } };
        return Object.fromEntries(wf.spec.templates.filter((t) => t.memoize).map((t) => [t.name, t.memoize?.key]));
      } finally {
        rmSync(copy, { force: true });
      }
    };
    const a = await keys(0.25);
    const b = await keys(0.3);
    expect(a.load).toBe(b.load); // same data file bytes, same params
    for (const n of ['split-node', 'train-lr', 'eval-lr', 'eval-mlp', 'gate', 'drift']) expect(a[n], n).not.toBe(b[n]);
    expect(a['train-mlp']).toBeUndefined(); // cache: false
    expect(a.gate).toContain("workflow.parameters['minAccuracy']");
    expect(a.gate).toContain("workflow.parameters['seed']");
    expect(a.load).not.toContain('{{'); // no params upstream: a constant key
    // Argo accepts only [a-zA-Z0-9][-a-zA-Z0-9]* as a cache key, once the expression is a sha256
    for (const k of Object.values(a)) expect((k as string).replace(/\{\{=sprig\.sha256sum\([^}]*\)\}\}/g, 'e3b0c44298fc1c149afbf4c8996fb924')).toMatch(/^[a-zA-Z0-9][-a-zA-Z0-9]{0,252}$/);
  });
});

describe('GitHub Actions export of every example', () => {
  for (const file of examples()) {
    it(`${file.slice(file.lastIndexOf('/') + 1)}: valid, also for YAML 1.1 readers`, async () => {
      const text = await exportFile(file, 'github-actions');
      expect(text).toMatch(/^"on":$/m);
      const wf = readBoth(text);
      expect(Object.keys(wf)).toContain('on');
      expect(validateGithub(wf), JSON.stringify(validateGithub.errors?.slice(0, 5))).toBe(true);
      const v11 = YAML.parse(text, { version: '1.1' }) as Obj;
      expect(validateGithub(v11), JSON.stringify(validateGithub.errors?.slice(0, 5))).toBe(true);
      const steps = (wf.jobs as { pipeline: { steps: { uses?: string; run?: string; if?: string; with?: Obj }[] } }).pipeline.steps;
      expect(steps.map((s) => s.uses).filter(Boolean)).toEqual(['actions/checkout@v4', 'actions/setup-node@v4', 'actions/upload-artifact@v4']);
      expect(steps[1].with).toMatchObject({ 'node-version': '20', cache: 'npm' });
      expect(steps.some((s) => s.run === 'npm ci')).toBe(true);
      expect(steps.find((s) => s.run?.includes('npx pipewright run'))?.run).toMatch(/--json --junit report\.xml/);
      expect(steps[steps.length - 1].if).toBe('always()');
    });
  }

  it('a YAML 1.1 reader of an unquoted `on:` would see true: the check above can fail', () => {
    const bad = 'on:\n  push: {}\njobs: {}\n';
    const keys = Object.keys(YAML.parse(bad, { version: '1.1' }) as Obj);
    expect(keys).toContain('true');
    expect(keys).not.toContain('on');
  });
});

describe('golden exports', () => {
  const cases: { name: string; argoGpu: boolean }[] = [
    { name: 'linear', argoGpu: false },
    { name: 'diamond', argoGpu: false },
    { name: 'fan-out', argoGpu: true },
  ];
  for (const c of cases) {
    for (const to of ['argo', 'github-actions'] as const) {
      const ext = to === 'argo' ? 'argo.yaml' : 'github.yaml';
      it(`${c.name}.${ext}`, async () => {
        const file = join(goldenDir, `${c.name}.pipeline.yaml`);
        const text = await exportFile(file, to, { gpu: to === 'argo' && c.argoGpu });
        const golden = join(goldenDir, `${c.name}.${ext}`);
        if (process.env.UPDATE_GOLDEN === '1') writeFileSync(golden, text);
        expect(text).toBe(readFileSync(golden, 'utf8'));
        const wf = readBoth(text);
        if (to === 'argo') {
          expect(validateArgo(wf)).toBe(true);
          argoChecks(wf);
        } else {
          expect(validateGithub(wf)).toBe(true);
        }
      });
    }
  }

  it('maps node ids to unique Argo names (diamond: Other_Species -> other-species)', () => {
    const wf = YAML.parse(readFileSync(join(goldenDir, 'diamond.argo.yaml'), 'utf8')) as { spec: { templates: { name: string }[] } };
    expect(wf.spec.templates.map((t) => t.name)).toEqual(['main', 'load', 'setosa', 'other-species', 'combined']);
  });
});

describe('pipewright export (command)', () => {
  const run = async (argv: string[]) => {
    let stdout = '';
    let stderr = '';
    const io: CliIO = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), isTTY: false, cwd: root };
    const code = await main(argv, io);
    return { code, stdout, stderr };
  };

  it('writes to stdout, or to -o OUT', async () => {
    const r = await run(['export', 'test/golden/diamond.pipeline.yaml', '--to', 'argo']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(goldenDir, 'diamond.argo.yaml'), 'utf8'));
    const out = join(mkdtempSync(join(tmpdir(), 'pw-export-')), 'wf', 'ci.yml');
    const w = await run(['export', 'test/golden/diamond.pipeline.yaml', '--to', 'github-actions', '-o', out]);
    expect(w.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(join(goldenDir, 'diamond.github.yaml'), 'utf8'));
  });

  it('exits 2 on usage errors and invalid pipelines, naming the place', async () => {
    expect((await run(['export', 'test/golden/diamond.pipeline.yaml'])).code).toBe(2);
    expect((await run(['export', 'test/golden/diamond.pipeline.yaml', '--to', 'kubeflow'])).code).toBe(2);
    expect((await run(['export', 'test/golden/diamond.pipeline.yaml', '--to', 'github-actions', '--gpu'])).code).toBe(2);
    expect((await run(['export', 'test/golden/diamond.pipeline.yaml', '--to', 'argo', '--node-version', '22'])).code).toBe(2);
    expect((await run(['export', 'nope.pipeline.yaml', '--to', 'argo'])).code).toBe(2);
    const dir = mkdtempSync(join(tmpdir(), 'pw-export-'));
    const bad = join(dir, 'bad.pipeline.yaml');
    writeFileSync(bad, readFileSync(join(goldenDir, 'diamond.pipeline.yaml'), 'utf8').replace('a: setosa.table', 'a: nowhere.table'));
    const r = await run(['export', bad, '--to', 'argo']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nodes.combined.inputs.a');
    expect(r.stdout).toBe('');
  });

  it('keeps the shipped pipeline file apart from an input port called pipeline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-export-'));
    const file = join(dir, 'ports.pipeline.yaml');
    writeFileSync(file, readFileSync(join(goldenDir, 'diamond.pipeline.yaml'), 'utf8').replace('      a: setosa.table', '      pipeline: setosa.table').replace('FROM a', 'FROM pipeline').replaceAll('../../resources', join(root, 'resources')));
    const wf = readBoth(await exportFile(file, 'argo'));
    expect(validateArgo(wf)).toBe(true);
    argoChecks(wf);
  });

  it('refuses to export to Argo a pipeline holding "{{", which Argo would substitute', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-export-'));
    const file = join(dir, 'braces.pipeline.yaml');
    writeFileSync(file, readFileSync(join(goldenDir, 'diamond.pipeline.yaml'), 'utf8').replace("WHERE species = 'setosa'", "WHERE species <> '{{x}}'"));
    const r = await run(['export', file, '--to', 'argo']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nodes.setosa.params.query');
    expect((await run(['export', file, '--to', 'github-actions'])).code).toBe(0);
  });
});

describe('a pipeline ending in deploy.register (the bundled breast-cancer example)', () => {
  const file = join(root, 'resources', 'examples', 'breast-cancer.pipeline.yaml');
  const cli = async (argv: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), isTTY: false, cwd: root });
    return { code, stdout, stderr };
  };

  it('Argo: the register task is left out, named in the file and on stderr; the rest validates', async () => {
    expect(readFileSync(file, 'utf8')).toMatch(/\n {2}register:\n {4}type: deploy\.register\n/);
    const r = await cli(['export', file, '--to', 'argo']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: Left out: register \(deploy\.register\): it writes to the project file .*pipewright run.*github-actions/);
    const wf = readBoth(r.stdout) as Obj & { spec: { entrypoint: string; templates: { name: string; dag?: { tasks: Task[] } }[] } };
    expect(validateArgo(wf), JSON.stringify(validateArgo.errors?.slice(0, 5))).toBe(true);
    argoChecks(wf);
    const tasks = wf.spec.templates.find((t) => t.name === wf.spec.entrypoint)!.dag!.tasks.map((t) => t.name);
    expect(tasks).toEqual(['load', 'split-node', 'scale', 'train', 'evaluate', 'gate']);
    expect(wf.spec.templates.map((t) => t.name)).not.toContain('register');
    const header = r.stdout.slice(0, r.stdout.indexOf('\napiVersion:'));
    expect(header).toMatch(/^# Left out: register \(deploy\.register\)/m);
    // what to do instead: register the train step's model artifact (and the evaluation's metrics) after the workflow
    const line = 'pipewright models register model --project P --name breast-cancer --alias champion --metrics metrics';
    expect(header).toContain(`#   register: ${line}\n#   on step train's \`model\` artifact, its \`model-sha256\` output beside it as model.sha256, and step evaluate's \`metrics\`.`);
    expect(r.stderr).toContain(line);
    // a deploy.serve after it goes too, as one that depends on a left-out node
    const dir = mkdtempSync(join(tmpdir(), 'pw-export-deploy-'));
    try {
      const served = join(dir, 'served.pipeline.yaml');
      writeFileSync(served, `${readFileSync(file, 'utf8').replace('../data/', `${join(root, 'resources', 'data')}/`).trimEnd()}\n  serve:\n    type: deploy.serve\n    inputs:\n      model: register.model\n    params:\n      name: breast-cancer\n`);
      const s2 = await cli(['export', served, '--to', 'argo']);
      expect(s2.code, s2.stderr).toBe(0);
      expect(s2.stderr).toMatch(/Left out: register \(deploy\.register\), serve \(deploy\.serve\): they write/);
      expect(validateArgo(readBoth(s2.stdout))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("GitHub Actions: the workflow's own steps run the pipeline, register the model and keep the project file", async () => {
    const text = await exportFile(file, 'github-actions');
    const wf = readBoth(text) as { jobs: { pipeline: { steps: { name: string; run?: string; with?: { path?: string } }[] } } };
    expect(validateGithub(wf)).toBe(true);
    const steps = wf.jobs.pipeline.steps;
    const step = (name: string) => steps.find((x) => x.name === name)!;
    // a checkout of the repository (the files the workflow names), where `npm ci` installed pipewright
    const repo = mkdtempSync(join(tmpdir(), 'pw-gha-'));
    try {
      for (const f of ['resources/examples/breast-cancer.pipeline.yaml', 'resources/data/breast_cancer.csv']) {
        mkdirSync(join(repo, f, '..'), { recursive: true });
        cpSync(join(root, f), join(repo, f));
      }
      const bin = join(repo, '.bin');
      mkdirSync(bin);
      writeFileSync(join(bin, 'npx'), `#!/bin/sh\n[ "$1" = pipewright ] || exit 127\nshift\nexec "${process.execPath}" "${join(root, 'bin', 'pipewright.cjs')}" "$@"\n`);
      chmodSync(join(bin, 'npx'), 0o755);
      const summary = join(repo, 'summary.md');
      const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, GITHUB_STEP_SUMMARY: summary };
      const run = spawnSync('bash', ['-e', '-c', step('Run the pipeline').run!], { cwd: repo, env, encoding: 'utf8', timeout: 240_000 });
      expect(run.status, run.stderr).toBe(0);
      const sum = spawnSync('bash', ['-e', '-c', step('Summarise the run').run!], { cwd: repo, env, encoding: 'utf8' });
      expect(sum.status, sum.stderr).toBe(0);
      expect(readFileSync(summary, 'utf8')).toMatch(/\| register \| succeeded \| false \| version = 1 \|/);
      // what the upload step keeps is there, and the project file holds version 1 as champion
      const kept = step('Upload the project file and the reports').with!.path!.trim().split('\n');
      expect(kept).toEqual(['resources/examples/breast-cancer.pwproj', 'report.xml', 'pipewright-run.json']);
      for (const k of kept) expect(existsSync(join(repo, k)), k).toBe(true);
      expect(readFileSync(join(repo, 'report.xml'), 'utf8')).toMatch(/<testcase [^>]*name="register"/);
      const models = spawnSync(process.execPath, [join(root, 'bin', 'pipewright.cjs'), 'models', 'show', 'breast-cancer', '--project', join(repo, kept[0]), '--json'], { encoding: 'utf8' });
      expect(models.status, models.stderr).toBe(0);
      expect(JSON.parse(models.stdout)).toMatchObject({ name: 'breast-cancer', aliases: { champion: 1 }, versions: [{ version: 1 }] });
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  }, 300_000);
});
