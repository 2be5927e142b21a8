/**
 * The Models page (issue 11 item 5, issue 13 item 4): two runs of the breast-cancer example with a
 * register node (the second asks for approval) leave version 1 as champion and version 2 waiting;
 * the page shows both with metrics and run links, the pending move with both versions' metrics
 * side by side, Approve moves champion and the audit trail names the reason; a roll back with a
 * reason moves it back; the run link opens the run in the editor. A version registered from a
 * file (`pipewright models register`) shows that file instead of a run.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { nodesUnderPanels, openPage, ROOT, RUN_MS, screenshot, waitForLayout } from './harness';
import { e2eSuite } from './suite';

const suite = e2eSuite();
const run = promisify(execFile);

async function registerTwice(dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const example = readFileSync(join(ROOT, 'resources', 'examples', 'breast-cancer.pipeline.yaml'), 'utf8').replace('../data/breast_cancer.csv', join(ROOT, 'resources', 'data', 'breast_cancer.csv'));
  // the example's own register node, named cancer here (and asking for approval the second time)
  const own = '    params:\n      name: breast-cancer\n      alias: champion\n';
  if (!example.includes(own)) throw new Error('the breast-cancer example has no register node with name breast-cancer and alias champion');
  const register = (approval: string) => example.replace(own, `    params:\n      name: cancer\n      alias: champion\n${approval}`);
  const project = join(dir, 'models.pwproj');
  const cli = join(ROOT, 'bin', 'pipewright.cjs');
  writeFileSync(join(dir, 'first.pipeline.yaml'), register(''));
  writeFileSync(join(dir, 'second.pipeline.yaml'), register('      approval: required\n'));
  await run(process.execPath, [cli, 'run', join(dir, 'first.pipeline.yaml'), '--project', project]);
  await run(process.execPath, [cli, 'run', join(dir, 'second.pipeline.yaml'), '--project', project, '--param', 'seed=5']);
  return project;
}

/** A new page with `project` open (its button then shows `name`), on its Models tab. */
async function openModelsPage(project: string, name: string): Promise<Awaited<ReturnType<typeof openPage>>> {
  const opened = await openPage(suite.browser, suite.app.url);
  const { page } = opened;
  await page.getByTestId('project-button').click();
  await page.getByTestId('project-path-input').fill(project);
  await page.getByTestId('project-open').click();
  await expect.poll(() => page.getByTestId('project-button').textContent()).toContain(name);
  await page.getByTestId('page-tab-models').click();
  return opened;
}

describe('models page', () => {
  it('shows versions, approves a pending promotion and rolls back, each with a reason in the audit trail', async () => {
    const project = await registerTwice(join(suite.app.home, 'models-e2e'));
    const { page, errors } = await openModelsPage(project, 'models');
    const model = page.getByTestId('model-cancer');
    await model.waitFor();
    await expect(page.getByTestId('version-1').textContent()).resolves.toMatch(/champion.*run 1.*accuracy\s*0\.96/);
    await expect(page.getByTestId('version-2').textContent()).resolves.toMatch(/run 2/);
    const pending = page.getByTestId('pending-champion-2');
    await expect(pending.textContent()).resolves.toMatch(/champion: version 1 → version 2/);
    // Both versions' metrics side by side: a row per metric with two numbers and the change.
    await expect(pending.getByTestId('pending-compare').locator('tbody tr').count()).resolves.toBeGreaterThanOrEqual(6);
    // every change in one format: signed, with the three decimals its metrics are shown with
    const changes = await pending.locator('td[data-change]').allTextContents();
    expect(changes.length).toBeGreaterThanOrEqual(6);
    for (const c of changes) expect(c.trim()).toMatch(/^([+-]\d+\.\d{3}|[+-]\d+|0)$/);
    await screenshot(page, 'models-pending');

    await pending.getByTestId('approve-reason').fill('recall is what the clinic asked for');
    await pending.getByTestId('approve').click();
    await pending.waitFor({ state: 'detached' });
    await expect.poll(() => page.getByTestId('version-2').textContent()).toMatch(/champion/);
    await expect(page.getByTestId('audit').locator('tbody tr').first().textContent()).resolves.toMatch(/champion\s*1\s*2.*\(approved\)\s*recall is what the clinic asked for/);
    // the approver (the app's OS user, as `models approve` records it) and the way it was approved
    const approved = page.getByTestId('audit').locator('tbody tr').first().locator('td');
    const cells = await approved.allTextContents();
    expect(cells).toContain(userInfo().username);
    expect(cells).toContain('editor (approved)');
    await screenshot(page, 'models-approved');

    // Roll back to version 1 with a reason.
    await page.getByTestId('move-1').click();
    await expect(page.getByTestId('move-confirm').textContent()).resolves.toBe('Roll champion back to 1');
    await page.getByTestId('move-reason').fill('drift on the new scanner');
    await screenshot(page, 'models-rollback-form');
    await page.getByTestId('move-confirm').click();
    await expect.poll(() => page.getByTestId('version-1').textContent()).toMatch(/champion/);
    await expect(page.getByTestId('audit').locator('tbody tr').first().textContent()).resolves.toMatch(/champion\s*2\s*1.*editor\s*drift on the new scanner/);
    await screenshot(page, 'models-rolled-back');

    // The run link opens that run in the editor with its results.
    await page.getByTestId('run-link-2').click();
    await page.waitForSelector('[data-testid="node-register"]');
    await expect.poll(() => page.getByTestId('node-evaluate').textContent()).toMatch(/accuracy/);
    // the run's graph is shown as Fit shows it, not through the view remembered for the other
    // layout of the same pipeline name (which left its right half under the inspector)
    await waitForLayout(page);
    await expect.poll(() => nodesUnderPanels(page)).toEqual([]);
    const view = () => page.evaluate(() => (document.querySelector<HTMLElement>('.react-flow__viewport')!.style.transform.match(/-?[\d.]+/g) ?? []).map(Number));
    const opened = await view();
    await screenshot(page, 'models-run-link');
    await page.getByTestId('fit-view').click();
    // (a node's measured height may move it a few pixels: the zoom is the same, the place nearly)
    await expect.poll(async () => { const [x, y, zoom] = await view(); return Math.abs(zoom - opened[2]) < 0.01 && Math.abs(x - opened[0]) < 30 && Math.abs(y - opened[1]) < 30; }).toBe(true);
    expect(errors).toEqual([]);
    await page.context().close();
  }, RUN_MS);

  it('shows a version registered from a file (pipewright models register) with the file, not a run', async () => {
    const dir = join(suite.app.home, 'models-file-e2e');
    const first = await registerTwice(dir);
    const cli = join(ROOT, 'bin', 'pipewright.cjs');
    const file = join(dir, 'cancer-v1.model.json');
    await run(process.execPath, [cli, 'models', 'export', 'cancer:1', '--project', first, '-o', file]);
    const project = join(dir, 'from-file.pwproj');
    await run(process.execPath, [cli, 'models', 'register', file, '--project', project, '--name', 'cancer-file', '--alias', 'champion', '--reason', 'moved from models.pwproj']);
    const { page, errors } = await openModelsPage(project, 'from-file');
    await page.getByTestId('model-cancer-file').waitFor();
    const source = page.getByTestId('source-1');
    await expect(source.textContent()).resolves.toMatch(/^file cancer-v1\.model\.json [0-9a-f]{12}$/);
    await expect(source.getAttribute('title')).resolves.toContain(file);
    // the metrics came with the file; the audit names the command and the reason
    await expect(page.getByTestId('version-1').textContent()).resolves.toMatch(/champion.*accuracy\s*0\.96/);
    await expect(page.getByTestId('audit').locator('tbody tr').first().textContent()).resolves.toMatch(/champion.*pipewright models register\s*moved from models\.pwproj/);
    await screenshot(page, 'models-from-file');
    expect(errors).toEqual([]);
    await page.context().close();
  }, RUN_MS);
});
