/**
 * A sweep's trials in the results panel: a tiny iris sweep runs, its two trials show as a table
 * with the best one marked and a chart; a reload (run.get) and a cached re-run show the same trials.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { emptyPipeline, type Pipeline } from '../../shared/pipeline/model';
import { openPage, revealNode, RUN_MS, screenshot } from './harness';
import { e2eSuite } from './suite';

const suite = e2eSuite();

function sweepPipeline(csv: string): Pipeline {
  const p = emptyPipeline('sweep');
  const node = (id: string, type: string, inputs: Record<string, string>, params: Pipeline['nodes'][number]['params']) => ({ id, type, inputs, params, extensions: {} });
  p.nodes = [
    node('load', 'data.csv', {}, { path: csv }),
    node('split', 'features.split', { table: 'load.table' }, { testFraction: 0.2, stratifyBy: 'species', seed: 42 }),
    node('sweep', 'train.sweep', { train: 'split.train', test: 'split.test' }, { trainer: 'train.logistic_regression', space: { epochs: [5, 10] }, metric: 'accuracy', label: 'species' }),
  ];
  p.layout = { load: { x: 0, y: 0 }, split: { x: 260, y: 0 }, sweep: { x: 520, y: 0 } };
  return p;
}

async function trialRows(page: Page): Promise<string[][]> {
  await revealNode(page, 'sweep');
  await page.getByTestId('node-sweep').locator('.pw-node-header').click();
  const table = page.getByTestId('trials-table');
  await table.waitFor();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="trials-table"] tbody tr').length === 2);
  await page.getByTestId('sweep-trials').scrollIntoViewIfNeeded();
  return table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')));
}

/**
 * The header cells of the trials table that a user cannot read whole where they are: cut by the
 * edge of the table's scroll box or of the inspector (the box the panel scrolls in), with the
 * box's scrollLeft as it is now.
 */
async function clippedHeaders(page: Page): Promise<string[]> {
  return page.getByTestId('trials-table').evaluate((table) => {
    const box = table.closest('.pw-trials-scroll')!.getBoundingClientRect();
    const panel = table.closest('.pw-inspector')!.getBoundingClientRect();
    const left = Math.max(box.left, panel.left);
    const right = Math.min(box.right, panel.right);
    return [...table.querySelectorAll('thead th')]
      .filter((th) => {
        const r = th.getBoundingClientRect();
        return r.left < left - 0.5 || r.right > right + 0.5;
      })
      .map((th) => th.textContent ?? '');
  });
}

describe('sweep trials', () => {
  it('shows the trials of a train.sweep, the best marked, and the same after a reload', async () => {
    const { page, errors } = await openPage(suite.browser, suite.app.url);
    await page.getByTestId('project-button').click();
    await page.getByTestId('project-path-input').fill(join(suite.app.home, 'sweep', 'sweep.pwproj'));
    await page.getByTestId('project-create').click();
    await page.waitForFunction(() => document.querySelectorAll('.react-flow__node').length === 0);
    // The app writes the new project's empty document as its draft shortly after; ours must come
    // after that one, or the page's own write (or its flush on reload) would replace it.
    await page.waitForFunction(() => {
      const d = JSON.parse(localStorage.getItem('pipewright.draft.v1') ?? 'null') as { projectPath?: string; doc?: { nodes?: unknown[] } } | null;
      return !!d && d.projectPath === localStorage.getItem('pipewright.project') && d.doc?.nodes?.length === 0;
    });
    // The pipeline goes in as the crash-net draft: the quickest way to open a document whole.
    const doc = sweepPipeline(join(suite.app.home, 'workspace', 'data', 'iris.csv'));
    await page.evaluate((d: string) => {
      const project = localStorage.getItem('pipewright.project');
      localStorage.setItem('pipewright.draft.v1', JSON.stringify({ v: 1, projectPath: project, filePath: null, doc: JSON.parse(d) as unknown, savedAt: Date.now() }));
    }, JSON.stringify(doc));
    await page.reload();
    await page.waitForSelector('[data-testid="app"][data-ready="true"]');
    await page.waitForFunction(() => document.querySelectorAll('.react-flow__node').length === 3);

    await page.getByTestId('run-all').click();
    await page.getByTestId('run-status').and(page.locator('.st-succeeded,.st-failed,.st-gate_failed,.st-cancelled')).waitFor({ timeout: RUN_MS });
    expect(await page.getByTestId('run-status').textContent(), await page.locator('[data-testid^="node-status-"]').allTextContents().then((t) => t.join(' | '))).toBe('succeeded');

    const live = await trialRows(page);
    // index, epochs, accuracy (the sweep's metric; the others are folded), status, time
    expect(live.map((r) => [r[0].replace(' ★', ''), r[1]])).toEqual([
      ['1', '5'],
      ['2', '10'],
    ]);
    await expect(page.locator('[data-testid="trials-table"] thead th').allTextContents()).resolves.toEqual(['#', 'epochs', 'accuracy', 'status', 'time']);
    await expect(page.locator('[data-testid="trials-table"] td[data-status]').evaluateAll((tds) => tds.map((td) => td.getAttribute('data-status')))).resolves.toEqual(['succeeded', 'succeeded']);
    const best = page.locator('[data-testid="trials-table"] tbody tr.pw-best');
    await expect(best.count()).resolves.toBe(1);
    // The marked row holds the highest accuracy (the first metric column).
    const accs = await page.locator('[data-testid="trials-table"] tbody tr').evaluateAll((rows) => rows.map((r) => Number(r.querySelectorAll('td')[2].textContent)));
    const bestIndex = Number((await best.locator('td').first().textContent())?.match(/\d+/)?.[0]);
    expect(accs[bestIndex - 1]).toBe(Math.max(...accs));
    await page.getByTestId('trials-chart').locator('canvas').first().waitFor();
    // Every column of the table as it opens is readable in the inspector's width: nothing to scroll to.
    await expect(clippedHeaders(page)).resolves.toEqual([]);
    expect(await page.locator('.pw-trials-scroll').evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    await screenshot(page, 'sweep-trials');

    await expect.poll(() => page.getByTestId('save-state').textContent()).toBe('saved');
    await page.reload();
    await page.waitForSelector('[data-testid="app"][data-ready="true"]');
    await page.waitForFunction(() => document.querySelectorAll('.react-flow__node').length === 3);
    await expect(trialRows(page)).resolves.toEqual(live);
    await screenshot(page, 'sweep-trials-after-reload');

    // Run again: the sweep is reused and streams no trials; the panel shows those it reused.
    await page.getByTestId('run-all').click();
    await page.getByTestId('results').locator('.st-cached').waitFor({ timeout: RUN_MS });
    await expect(page.getByTestId('run-status').textContent()).resolves.toBe('succeeded');
    await expect(trialRows(page)).resolves.toEqual(live);

    // Every metric, on demand: the table scrolls sideways in its own box (the inspector does not),
    // the trial number stays in sight, and each value is rounded as the rest of the panel rounds.
    await page.getByTestId('trials-all-metrics').click();
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="trials-table"] thead th')].some((th) => th.textContent === 'f1'));
    const heads = await page.locator('[data-testid="trials-table"] thead th').allTextContents();
    expect(heads.slice(0, 3)).toEqual(['#', 'epochs', 'accuracy']);
    expect(heads).toEqual(expect.arrayContaining(['precision', 'recall', 'f1', 'logLoss', 'status', 'time']));
    const cells = await page.locator('[data-testid="trials-table"] tbody td.num').allTextContents();
    for (const c of cells.filter((c) => !c.endsWith('s'))) expect(c).toMatch(/^-?\d+(\.\d{1,3})?(e-?\d+)?$/);
    await expect(page.locator('.pw-inspector').evaluate((el) => el.scrollWidth <= el.clientWidth)).resolves.toBe(true);
    await expect(page.locator('.pw-trials-scroll').evaluate((el) => el.scrollWidth > el.clientWidth)).resolves.toBe(true);
    await page.locator('.pw-trials-scroll').evaluate((el) => el.scrollTo({ left: el.scrollWidth }));
    await page.waitForFunction(() => {
      const el = document.querySelector('.pw-trials-scroll')!;
      return el.scrollLeft + el.clientWidth >= el.scrollWidth - 1;
    });
    const cut = await clippedHeaders(page);
    expect(cut).not.toContain('#');
    expect(cut).not.toContain('time');
    await screenshot(page, 'sweep-trials-all-metrics');
    await page.getByTestId('trials-all-metrics').click();
    await expect(clippedHeaders(page)).resolves.toEqual([]);

    // The sweep's metrics output holds the same trials as a table: it too scrolls in its own box,
    // not the whole inspector sideways.
    await page.getByTestId('results').locator('.pw-tabs button', { hasText: 'metrics' }).click();
    const docTable = page.getByTestId('metrics-doc').locator('table');
    await docTable.waitFor();
    await expect(page.locator('.pw-inspector').evaluate((el) => el.scrollWidth <= el.clientWidth)).resolves.toBe(true);
    await expect(docTable.evaluate((t) => t.parentElement!.scrollWidth > t.parentElement!.clientWidth)).resolves.toBe(true);
    await screenshot(page, 'sweep-metrics-trials-table');
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
