/**
 * `pipewright export --to github-actions`: a workflow that runs the pipeline in CI with
 * `pipewright run --json --junit`, keeps the project file and the reports as artifacts, and
 * fails the job when a node fails (exit 1) or a gate is missed (exit 3).
 */
import { posix } from 'node:path';
import type { Plan } from '../engine/planner';
import { ExportError, isScalarParam } from './graph';
import { paramText } from './argo';
import { toYamlText } from './yaml-text';

export interface GithubActionsExportOptions {
  /** the pipeline file, relative to the repository root (posix separators) */
  pipelinePath: string;
  /** data files the pipeline reads, relative to the repository root: changes to them trigger a run */
  dataPaths?: string[];
  /** the folder with package.json (and package-lock.json), relative to the repository root */
  workingDirectory?: string;
  nodeVersion?: string;
  runsOn?: string;
}

export const JUNIT_FILE = 'report.xml';
export const RUN_JSON_FILE = 'pipewright-run.json';

/** Escapes glob characters, so a path filter matches exactly that file. */
function literalGlob(path: string): string {
  return path.replace(/[*?[\]!+{}\\]/g, (c) => `\\${c}`);
}

function repoPath(path: string, place: string): string {
  const p = posix.normalize(path.replace(/\\/g, '/'));
  if (p.startsWith('../') || p === '..' || posix.isAbsolute(p)) throw new ExportError(place, `"${path}" is outside the repository`);
  return p.replace(/^\.\//, '');
}

/** `inputs.<name>` → an environment variable name, unique among the params. */
function envNames(params: string[]): Map<string, string> {
  const out = new Map<string, string>();
  const taken = new Set<string>();
  for (const p of params) {
    const base = `PW_PARAM_${p.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`;
    let name = base;
    for (let i = 2; taken.has(name); i++) name = `${base}_${i}`;
    taken.add(name);
    out.set(p, name);
  }
  return out;
}

// Runs with `node -` in the step: the job summary as a table of nodes, from the `--json` output.
const SUMMARY_SCRIPT = `const fs = require('fs');
let s;
try {
  s = JSON.parse(fs.readFileSync('${RUN_JSON_FILE}', 'utf8'));
} catch (e) {
  console.log('no run summary: ' + e.message);
  process.exit(0);
}
const out = [];
if (s.errors) {
  out.push('### Invalid pipeline', '');
  for (const e of s.errors) out.push('- \`' + e.place + '\`: ' + e.message);
} else {
  out.push('### Pipeline ' + s.run.pipeline + ': ' + s.run.status, '', '| node | status | cached | metrics |', '| --- | --- | --- | --- |');
  for (const [id, n] of Object.entries(s.nodes)) {
    const metrics = Object.entries(n.metrics || {}).map(([k, v]) => k + ' = ' + v).join(', ');
    out.push('| ' + id + ' | ' + n.status + (n.error ? ': ' + n.error.split('\\n')[0] : '') + ' | ' + n.cached + ' | ' + metrics + ' |');
  }
}
fs.appendFileSync(process.env.GITHUB_STEP_SUMMARY, out.join('\\n') + '\\n');
console.log(out.join('\\n'));
`;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The workflow as a JSON-safe object (what `exportGithubActions` writes as YAML). */
export function githubWorkflow(plan: Plan, opts: GithubActionsExportOptions): { [key: string]: Json } {
  const { pipeline } = plan;
  const pipelinePath = repoPath(opts.pipelinePath, 'pipelinePath');
  const workdir = repoPath(opts.workingDirectory ?? '.', 'workingDirectory');
  const dataPaths = (opts.dataPaths ?? []).map((p, i) => repoPath(p, `dataPaths.${i}`));
  const projectPath = pipelinePath.endsWith('.pipeline.yaml')
    ? `${pipelinePath.slice(0, -'.pipeline.yaml'.length)}.pwproj`
    : `${pipelinePath.replace(/\.ya?ml$/, '')}.pwproj`;
  const fromWorkdir = (p: string) => posix.relative(workdir === '.' ? '' : workdir, p) || '.';
  const lockFile = workdir === '.' ? 'package-lock.json' : `${workdir}/package-lock.json`;

  const paths = [...new Set([pipelinePath, ...dataPaths, lockFile])].map(literalGlob);
  const params = Object.keys(pipeline.params).filter((p) => isScalarParam(pipeline.params[p]));
  const env = envNames(params);

  const on: { [key: string]: Json } = { push: { paths }, pull_request: { paths } };
  const dispatch: { [key: string]: Json } = {};
  if (params.length) {
    dispatch.inputs = Object.fromEntries(
      params.map((p) => [
        p,
        { description: `pipeline param ${p} (empty: the file's value)`, required: false, type: 'string', default: paramText(pipeline.params[p]) },
      ]),
    );
  }
  on.workflow_dispatch = dispatch;

  // Params reach the shell through env, never pasted into the script (no expression injection).
  const run = `npx pipewright run ${shellQuote(fromWorkdir(pipelinePath))} --json --junit ${JUNIT_FILE}`;
  const script = params.length
    ? [
        'args=()',
        ...params.map((p) => `if [ -n "\${${env.get(p)}:-}" ]; then args+=(--param "${p}=\${${env.get(p)}}"); fi`),
        `${run} "\${args[@]}" > ${RUN_JSON_FILE}`,
        '',
      ].join('\n')
    : `${run} > ${RUN_JSON_FILE}\n`;

  const runStep: { [key: string]: Json } = { name: 'Run the pipeline', id: 'run', shell: 'bash', run: script };
  if (params.length) runStep.env = Object.fromEntries(params.map((p) => [env.get(p) as string, `\${{ inputs.${p} }}`]));

  const upload = (p: string) => (workdir === '.' ? p : `${workdir}/${p}`);
  const steps: Json[] = [
    { name: 'Check out', uses: 'actions/checkout@v4' },
    { name: 'Set up Node.js', uses: 'actions/setup-node@v4', with: { 'node-version': opts.nodeVersion ?? '20', cache: 'npm', ...(workdir === '.' ? {} : { 'cache-dependency-path': lockFile }) } },
    { name: 'Install', run: 'npm ci' },
    runStep,
    { name: 'Summarise the run', if: 'always()', shell: 'bash', run: `node - <<'EOF'\n${SUMMARY_SCRIPT}EOF\n` },
    {
      name: 'Upload the project file and the reports',
      if: 'always()',
      uses: 'actions/upload-artifact@v4',
      with: {
        name: `pipewright-${pipeline.metadata.name}`,
        path: [projectPath, upload(JUNIT_FILE), upload(RUN_JSON_FILE)].join('\n') + '\n',
        'if-no-files-found': 'warn',
      },
    },
  ];
  const job: { [key: string]: Json } = { name: `Run ${pipeline.metadata.name}`, 'runs-on': opts.runsOn ?? 'ubuntu-latest', 'timeout-minutes': 60 };
  if (workdir !== '.') job.defaults = { run: { 'working-directory': workdir } };
  job.steps = steps;
  return {
    name: `Pipeline ${pipeline.metadata.name}`,
    on,
    permissions: { contents: 'read' },
    jobs: { pipeline: job },
  };
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The workflow as YAML text, with `"on":` quoted for YAML 1.1 readers. */
export function exportGithubActions(plan: Plan, opts: GithubActionsExportOptions): string {
  const { pipeline } = plan;
  const header = [
    `GitHub Actions workflow for the Pipewright pipeline "${pipeline.metadata.name}" (pipewright export --to github-actions).`,
    'Exit codes of `pipewright run`: 1 a node failed, 2 invalid pipeline, 3 a gate was missed; each fails the job.',
  ].join('\n');
  return toYamlText(githubWorkflow(plan, opts), header);
}
