import { beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { emptyPipeline } from '../../shared/pipeline/model';
import { planPipeline, type Plan } from '../engine/planner';
import { ExportError } from './graph';
import { exportGithubActions, githubWorkflow } from './github-actions';

let pipeline: Plan;
beforeAll(async () => {
  pipeline = await planPipeline({ ...emptyPipeline('demo'), params: { seed: 1, 'learning-rate': 0.1, tag: 'yes', shape: [1, 2] } });
});

type Step = { name: string; run?: string; env?: Record<string, string>; with?: Record<string, string>; shell?: string };

describe('GitHub Actions export', () => {
  it('runs from the npm project folder when it is not the repository root', () => {
    const wf = githubWorkflow(pipeline, { pipelinePath: 'app/pipelines/demo.pipeline.yaml', dataPaths: ['app/data/x [1].csv'], workingDirectory: 'app' }) as {
      on: { push: { paths: string[] } };
      jobs: { pipeline: { defaults: { run: { 'working-directory': string } }; steps: Step[] } };
    };
    expect(wf.on.push.paths).toEqual(['app/pipelines/demo.pipeline.yaml', 'app/data/x \\[1\\].csv', 'app/package-lock.json']);
    const job = wf.jobs.pipeline;
    expect(job.defaults.run['working-directory']).toBe('app');
    const run = job.steps.find((s) => s.name === 'Run the pipeline') as Step;
    expect(run.run).toContain('npx pipewright run pipelines/demo.pipeline.yaml --json --junit report.xml "${args[@]}" > pipewright-run.json');
    expect(job.steps.find((s) => s.name === 'Set up Node.js')?.with?.['cache-dependency-path']).toBe('app/package-lock.json');
    const upload = job.steps[job.steps.length - 1].with?.path;
    expect(upload).toBe('app/pipelines/demo.pwproj\napp/report.xml\napp/pipewright-run.json\n');
  });

  it('passes scalar params through env (never pasted into the script), with unique variable names', () => {
    const text = exportGithubActions(pipeline, { pipelinePath: 'demo.pipeline.yaml' });
    const wf = YAML.parse(text, { version: '1.1' }) as { on: { workflow_dispatch: { inputs: Record<string, { default: string }> } }; jobs: { pipeline: { steps: Step[] } } };
    expect(Object.keys(wf.on.workflow_dispatch.inputs)).toEqual(['seed', 'learning-rate', 'tag']); // a list param stays in the file
    expect(wf.on.workflow_dispatch.inputs.tag.default).toBe('yes');
    const run = wf.jobs.pipeline.steps.find((s) => s.name === 'Run the pipeline') as Step;
    expect(run.env).toEqual({ PW_PARAM_SEED: '${{ inputs.seed }}', PW_PARAM_LEARNING_RATE: '${{ inputs.learning-rate }}', PW_PARAM_TAG: '${{ inputs.tag }}' });
    expect(run.run).not.toContain('${{');
    expect(run.shell).toBe('bash');
    expect(text).not.toMatch(/&\w+|\*\w+\n/); // no YAML anchors or aliases
  });

  it('refuses paths outside the repository', () => {
    expect(() => githubWorkflow(pipeline, { pipelinePath: '../x.pipeline.yaml' })).toThrow(ExportError);
    expect(() => githubWorkflow(pipeline, { pipelinePath: '/abs/x.pipeline.yaml' })).toThrow(ExportError);
  });
});
