/**
 * Issue 15's looks and small breakages, each checked where a test can tell and photographed where
 * only a look can: the empty canvas says what to do; a palette click adds a node at the view's
 * centre; nodes are readable and handles big enough at the default zoom; no minimap over a small
 * graph; one message for one bad integer; a model as a summary card (no base64 weights); output
 * tabs without doubled labels; the YAML panel beside the canvas; the palette scrolls to its end.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { openExampleInOwnProject, openPage, ROOT, RUN_MS, screenshot, selectNode } from './harness';
import { e2eSuite } from './suite';

const suite = e2eSuite();

const zoom = (page: Page) =>
  page.locator('.react-flow__viewport').evaluate((el) => new DOMMatrixReadOnly(getComputedStyle(el).transform).a);

describe('how the editor looks', () => {
  it('an empty canvas explains itself; a palette click adds at the centre', async () => {
    const { page, errors } = await openPage(suite.browser, suite.app.url);
    await page.getByTestId('project-button').click();
    await page.getByTestId('project-path-input').fill(join(suite.app.home, 'looks', 'empty.pwproj'));
    await page.getByTestId('project-create').click();
    await page.waitForFunction(() => document.querySelectorAll('.react-flow__node').length === 0);
    await expect(page.getByTestId('empty-hint').textContent()).resolves.toMatch(/Click a node in the palette/);
    await screenshot(page, 'looks-empty-canvas');

    await page.getByTestId('palette-item-data.csv').click();
    await page.getByTestId('node-csv').waitFor();
    await expect(page.getByTestId('empty-hint').count()).resolves.toBe(0);
    const canvas = (await page.getByTestId('canvas').boundingBox())!;
    const node = (await page.getByTestId('node-csv').boundingBox())!;
    const [cx, cy] = [canvas.x + canvas.width / 2, canvas.y + canvas.height / 2];
    expect(Math.abs(node.x + node.width / 2 - cx)).toBeLessThan(150);
    expect(Math.abs(node.y + node.height / 2 - cy)).toBeLessThan(150);
    // a second click does not stack the new node on the first
    await page.getByTestId('palette-item-features.split').click();
    const next = (await page.getByTestId('node-split').boundingBox())!;
    expect(Math.abs(next.x - node.x) + Math.abs(next.y - node.y)).toBeGreaterThan(20);
    // more clicks: each node lands on a free spot in sight (not behind the inspector)
    for (const type of ['features.standardize', 'train.logistic_regression', 'evaluate.classification', 'gate.metric']) await page.getByTestId(`palette-item-${type}`).click();
    await page.getByTestId('node-gate').waitFor();
    const boxes = await Promise.all(['csv', 'split', 'standardize', 'logistic_regression', 'evaluate', 'gate'].map(async (id) => (await page.getByTestId(`node-${id}`).boundingBox())!));
    for (const b of boxes) expect(b.x >= canvas.x && b.y >= canvas.y && b.x + b.width <= canvas.x + canvas.width && b.y + b.height <= canvas.y + canvas.height).toBe(true);
    for (const a of boxes) for (const b of boxes) if (a !== b) expect(a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y).toBe(true);
    await screenshot(page, 'looks-palette-click');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('the example: readable, one message per bad value, a model card, tidy results', async () => {
    const { page, errors } = await openPage(suite.browser, suite.app.url);
    await openExampleInOwnProject(page, suite.app.home, join(suite.app.home, 'looks', 'looks.pwproj'));
    // the example has no layout block: elk lays it out once it is open (its nodes apart, not stacked)
    const nodeBox = async (id: string) => (await page.getByTestId(`node-${id}`).boundingBox())!;
    await expect.poll(async () => Math.abs((await nodeBox('gate')).x - (await nodeBox('load')).x) + Math.abs((await nodeBox('gate')).y - (await nodeBox('load')).y)).toBeGreaterThan(200);
    await page.getByTestId('fit-view').click();
    // At the default zoom: node ids at 9 px and more on screen (the fit's floor, 0.75), handles 6 px
    // and more with a hit area three times that; the example (folded into bands) all on the canvas
    await expect.poll(() => zoom(page)).toBeGreaterThanOrEqual(0.75);
    const idPx = await page.locator('[data-testid="node-train"] .pw-node-id').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    expect(idPx * (await zoom(page))).toBeGreaterThanOrEqual(9);
    const area = (await page.getByTestId('canvas').boundingBox())!;
    for (const id of ['load', 'split', 'scale', 'train', 'evaluate', 'gate']) {
      const b = await nodeBox(id);
      expect(b.x >= area.x && b.y >= area.y && b.x + b.width <= area.x + area.width && b.y + b.height <= area.y + area.height, id).toBe(true);
    }
    const handle = (await page.getByTestId('handle-train-in-train').boundingBox())!;
    expect(handle.width).toBeGreaterThanOrEqual(6);
    // six nodes: no minimap over them
    expect(await page.locator('.react-flow__minimap').count()).toBe(0);
    await screenshot(page, 'looks-example-default-zoom');

    // One bad whole number, one message (the field's own check gives way to the validator's)
    await selectNode(page, 'train');
    await page.getByTestId('param-epochs').fill('1.5');
    await expect.poll(() => page.getByTestId('param-epochs-error').allTextContents()).toEqual([expect.stringMatching(/whole number between 1 and 100000/)]);
    await screenshot(page, 'looks-one-message');

    // The YAML panel sits beside the canvas, which gives it room; its problem count is in the error colour
    const before = (await page.getByTestId('canvas').boundingBox())!;
    await page.getByTestId('toggle-yaml').click();
    await expect.poll(() => page.getByTestId('yaml-state').textContent()).toBe('1 problem');
    const colour = () => page.getByTestId('yaml-state').evaluate((el) => getComputedStyle(el).color);
    expect(await colour()).toBe('rgb(248, 113, 113)'); // --err, not --ok's green
    await page.getByTestId('param-epochs').fill('');
    await expect.poll(() => page.getByTestId('yaml-state').textContent()).toBe('in sync');
    expect(await colour()).toBe('rgb(74, 222, 128)');

    const yaml = (await page.getByTestId('yaml-panel').boundingBox())!;
    const after = (await page.getByTestId('canvas').boundingBox())!;
    expect(after.width).toBeLessThan(before.width - 200);
    expect(after.x + after.width).toBeLessThanOrEqual(yaml.x + 1);
    // the photo shows the text, not "Loading editor…"
    await page.locator('[data-testid="yaml-view"] .view-line', { hasText: 'apiVersion' }).waitFor();
    await screenshot(page, 'looks-yaml-beside-canvas');
    await page.getByTestId('toggle-yaml').click();

    await page.getByTestId('run-all').click();
    await page.locator('[data-testid="node-status-gate"][data-status="succeeded"]').waitFor({ timeout: RUN_MS });
    await selectNode(page, 'train');
    await page.getByTestId('results').getByRole('button', { name: /^model$/ }).click();
    const card = page.getByTestId('model-card');
    await expect.poll(() => card.textContent()).toMatch(/predicts\s*diagnosis/);
    await expect(card.textContent()).resolves.toMatch(/30 features|features30:|mean_radius/);
    expect(await page.getByTestId('results').textContent()).not.toMatch(/[A-Za-z0-9+/]{60,}={0,2}/);
    await screenshot(page, 'looks-model-card');

    await selectNode(page, 'evaluate');
    await page.getByTestId('confusion-matrix').waitFor();
    const tabs = await page.getByTestId('results').locator('.pw-tabs button').allTextContents();
    expect(tabs).toEqual(['metrics']);
    await page.getByTestId('roc-curve').scrollIntoViewIfNeeded();
    await screenshot(page, 'looks-evaluate-results');

    // The palette scrolls to its last section at a 1000 px tall window
    await page.setViewportSize({ width: 1440, height: 1000 });
    const last = page.locator('[data-testid^="palette-item-"]').last();
    await last.scrollIntoViewIfNeeded();
    const box = (await last.boundingBox())!;
    expect(box.y + box.height).toBeLessThanOrEqual(1000);
    await screenshot(page, 'looks-palette-end');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('Export offers GitHub Actions and Argo, byte for byte what the CLI writes', async () => {
    const { page, errors } = await openPage(suite.browser, suite.app.url);
    await openExampleInOwnProject(page, suite.app.home, join(suite.app.home, 'looks', 'export.pwproj'));
    const file = join(suite.app.home, 'workspace', 'examples', 'breast-cancer.pipeline.yaml');
    await page.getByTestId('export').click();
    await page.getByTestId('export-menu').waitFor();
    await screenshot(page, 'looks-export-menu');
    // The editor's document is the file plus the layout it drew: the CLI is given that same text,
    // at the same place (the download of "Pipeline file" written over the workspace copy).
    // The example has no layout block: the editor lays it out once after opening (elk, async),
    // which changes the document. Export only once that layout is in it, or the two exports
    // below would be of two different texts.
    const downloadYaml = async (): Promise<string> => {
      if (!(await page.getByTestId('export-menu').isVisible())) await page.getByTestId('export').click();
      const [yaml] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-yaml').click()]);
      expect(yaml.suggestedFilename()).toBe('breast-cancer.pipeline.yaml');
      return readFileSync((await yaml.path())!, 'utf8');
    };
    let text = '';
    await expect.poll(async () => /^layout:\n(?:.*\n)*\s+gate:/m.test((text = await downloadYaml()))).toBe(true);
    // The workspace example is shared by the suite's later tests: put it back afterwards.
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, text);
    try {
    for (const [item, to, name] of [
      ['export-argo', 'argo', 'breast-cancer.argo.yaml'],
      ['export-github-actions', 'github-actions', 'breast-cancer.yml'],
    ] as const) {
      if (!(await page.getByTestId('export-menu').isVisible())) await page.getByTestId('export').click();
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(item).click()]);
      expect(download.suggestedFilename()).toBe(name);
      const got = readFileSync((await download.path())!, 'utf8');
      const cli = execFileSync(process.execPath, [join(ROOT, 'bin', 'pipewright.cjs'), 'export', file, '--to', to], { encoding: 'utf8' });
      expect(got).toBe(cli);
      expect(got.length).toBeGreaterThan(200);
    }
    } finally {
      writeFileSync(file, original);
    }
    // Escape closes the menu
    await page.getByTestId('export').click();
    await page.keyboard.press('Escape');
    await page.getByTestId('export-menu').waitFor({ state: 'detached' });
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
