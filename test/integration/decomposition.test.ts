/**
 * THE DECOMPOSITION PROOF: the Argo export of the breast-cancer example, executed task by task
 * as separate `pipewright run-node` processes (the built CLI, as the runner image runs it), with
 * artifacts handed between tasks through folders as Argo's artifact repository would, gives the
 * same artifacts (byte for byte) and the same metrics (to the last digit) as `pipewright run`
 * of the same pipeline on the same backend.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import YAML from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../shared/run';
import { withoutRegister } from '../helpers/examples';

const root = resolve(__dirname, '..', '..');
const cli = join(root, 'bin', 'pipewright.cjs');

interface Artifact {
  name: string;
  path?: string;
  from?: string;
  raw?: { data: string };
}
interface Template {
  name: string;
  dag?: { tasks: Task[] };
  inputs?: { artifacts?: Artifact[] };
  outputs?: { artifacts?: Artifact[]; parameters?: { name: string; valueFrom: { path: string } }[] };
  container?: { image: string; command: string[]; args: string[]; workingDir?: string };
}
interface Task {
  name: string;
  template: string;
  depends?: string;
  arguments?: { artifacts?: Artifact[] };
}
interface Workflow {
  spec: { entrypoint: string; arguments?: { parameters: { name: string; value: string }[] }; templates: Template[] };
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

function pipewright(args: string[], cwd: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', timeout: 240_000, env: { ...process.env, NO_COLOR: '1' } });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Tasks in an order where every task comes after everything in its `depends`. */
function dependencyOrder(tasks: Task[]): Task[] {
  const done = new Set<string>();
  const out: Task[] = [];
  while (out.length < tasks.length) {
    const next = tasks.find((t) => !done.has(t.name) && (t.depends ?? '').split('&&').map((d) => d.trim()).filter(Boolean).every((d) => done.has(d)));
    if (!next) throw new Error('the DAG has a cycle or a dangling depends');
    done.add(next.name);
    out.push(next);
  }
  return out;
}

describe('decomposition: Argo tasks as separate run-node processes = pipewright run', () => {
  let work: string;

  beforeAll(() => {
    // The bundle is what the runner image ships; build it from the current sources.
    const build = spawnSync(process.execPath, [join(root, 'scripts', 'build-node.mjs')], { cwd: root, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`npm run build:node failed:\n${build.stderr}`);
    // A copy, so neither run writes a project file into the repository.
    work = mkdtempSync(join(tmpdir(), 'pw-decompose-'));
    cpSync(join(root, 'resources', 'data'), join(work, 'data'), { recursive: true });
    cpSync(join(root, 'resources', 'examples'), join(work, 'examples'), { recursive: true });
    // deploy.register records into a project file, which a lone run-node task has not got (it
    // refuses, by design): the decomposition is compared on the pipeline without it.
    for (const f of readdirSync(join(work, 'examples')).filter((x) => x.endsWith('.pipeline.yaml'))) {
      const text = readFileSync(join(work, 'examples', f), 'utf8');
      if (/\n {2}register:\n/.test(text)) writeFileSync(join(work, 'examples', f), withoutRegister(text));
    }
  }, 120_000);

  // breast-cancer by default (the machine is shared); PW_DECOMPOSE=all takes every example
  const names =
    process.env.PW_DECOMPOSE === 'all'
      ? readdirSync(join(root, 'resources', 'examples')).filter((f) => f.endsWith('.pipeline.yaml')).map((f) => f.replace('.pipeline.yaml', ''))
      : (process.env.PW_DECOMPOSE ?? 'breast-cancer').split(',');
  for (const name of names) it(`${name}: the same artifacts and metrics, to the last digit`, () => {
    const pipelineFile = join(work, 'examples', `${name}.pipeline.yaml`);
    const exported = pipewright(['export', pipelineFile, '--to', 'argo', '-o', join(work, `${name}.workflow.yaml`)], work);
    expect(exported.code, exported.stderr).toBe(0);
    const wf = YAML.parse(readFileSync(join(work, `${name}.workflow.yaml`), 'utf8')) as Workflow;
    const params = Object.fromEntries((wf.spec.arguments?.parameters ?? []).map((p) => [p.name, p.value]));
    const templates = new Map(wf.spec.templates.map((t) => [t.name, t]));
    const dag = (templates.get(wf.spec.entrypoint) as Template).dag as { tasks: Task[] };

    // The pod's folders, here: /work is the pipeline's folder (its data resolve from there),
    // /in and /out are per task; an output artifact is "uploaded" by staying in its task's /out.
    const workdir = dirname(pipelineFile);
    const taskDir = (task: string) => join(work, name, task);
    const local = (task: string, p: string) => {
      if (p === '/work' || p.startsWith('/work/')) return join(workdir, p.slice('/work'.length));
      if (/^\/(in|out)(\/|$)/.test(p)) return join(taskDir(task), p);
      return p;
    };
    const expand = (task: string, s: string) =>
      local(
        task,
        s.replace(/\{\{workflow\.parameters\.([^}]+)\}\}/g, (_m, k: string) => {
          expect(params, `workflow parameter ${k}`).toHaveProperty(k);
          return params[k];
        }),
      );

    const decomposed: Record<string, Record<string, string>> = {};
    for (const task of dependencyOrder(dag.tasks)) {
      const t = templates.get(task.template) as Template;
      const c = t.container as NonNullable<Template['container']>;
      mkdirSync(join(taskDir(task.name), 'in'), { recursive: true });
      mkdirSync(join(taskDir(task.name), 'out'), { recursive: true });
      // input artifacts: the raw pipeline file, and upstream outputs fetched "from the repository"
      for (const a of t.inputs?.artifacts ?? []) {
        const dest = local(task.name, a.path as string);
        if (a.raw) {
          writeFileSync(dest, a.raw.data);
          continue;
        }
        const arg = task.arguments?.artifacts?.find((x) => x.name === a.name);
        const m = /^\{\{tasks\.([^.]+)\.outputs\.artifacts\.([^.}]+)\}\}$/.exec(arg?.from ?? '');
        expect(m, `${task.name}: input ${a.name} comes from an upstream task`).not.toBeNull();
        const [, upTask, upArtifact] = m as RegExpExecArray;
        const upTemplate = templates.get((dag.tasks.find((x) => x.name === upTask) as Task).template) as Template;
        const produced = upTemplate.outputs?.artifacts?.find((o) => o.name === upArtifact) as Artifact;
        copyFileSync(local(upTask, produced.path as string), dest);
      }
      expect(c.command).toEqual(['pipewright']);
      const args = c.args.map((s) => expand(task.name, s));
      const r = pipewright(args, c.workingDir ? local(task.name, c.workingDir) : workdir);
      expect(r.code, `${task.name}: pipewright ${args.join(' ')}\n${r.stderr}`).toBe(0);
      decomposed[task.name] = {};
      for (const o of t.outputs?.artifacts ?? []) {
        const file = local(task.name, o.path as string);
        expect(existsSync(file), `${task.name} wrote ${o.path}`).toBe(true);
        const hex = readFileSync(`${file}.sha256`, 'utf8').trim();
        expect(hex, `${o.path}.sha256 is the digest of its bytes`).toBe(sha256(file));
        decomposed[task.name][o.name] = hex;
      }
      for (const p of t.outputs?.parameters ?? []) expect(existsSync(local(task.name, p.valueFrom.path)), p.valueFrom.path).toBe(true);
    }

    // the same pipeline, in one process
    const run = pipewright(['run', pipelineFile, '--project', join(work, `${name}.pwproj`), '--json'], work);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as RunSummary;
    expect(summary.run.status).toBe('succeeded');

    // metrics: the evaluate task's metrics file against the run's, exactly
    const evalMetrics = JSON.parse(readFileSync(join(taskDir('evaluate'), 'out', 'metrics'), 'utf8')) as { scalars: Record<string, number> };
    expect(Object.keys(evalMetrics.scalars).length).toBeGreaterThan(3);
    expect(evalMetrics.scalars).toEqual(summary.nodes.evaluate.metrics);
    for (const [k, v] of Object.entries(evalMetrics.scalars)) expect(String(v), k).toBe(String(summary.nodes.evaluate.metrics[k]));

    // artifacts: every output of every node has the same hash both ways, where the run reports them
    const nodeOfTask = (task: string) => {
      const args = (templates.get(task) as Template).container?.args ?? [];
      return args[args.indexOf('--node') + 1];
    };
    let compared = 0;
    for (const [task, outs] of Object.entries(decomposed)) {
      const refs = summary.nodes[nodeOfTask(task)]?.outputs;
      if (!refs) continue;
      for (const [port, hash] of Object.entries(outs)) {
        expect(refs[port]?.hash, `${task}.${port}`).toBe(hash);
        compared++;
      }
    }
    if (Object.values(summary.nodes).some((n) => n.outputs)) expect(compared).toBe(Object.values(decomposed).reduce((s, o) => s + Object.keys(o).length, 0));
  }, 600_000);
});
