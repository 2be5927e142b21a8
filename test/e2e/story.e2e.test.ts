/**
 * Issue 5's user story, in a real Chromium against the real server: from an empty project, build
 * the breast-cancer pipeline from the palette, wire it, set params in the inspector, see a wrong
 * connection refused, undo/redo, edit the YAML, run, read the accuracy, reload and find it all.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { connect, dropFromPalette, openPage, pickOption, RUN_MS, screenshot, selectNode as select, yamlCursorAtEndOf } from './harness';
import { e2eSuite } from './suite';

const suite = e2eSuite();

const edgeCount = (page: Page) => page.locator('.react-flow__edge').count();

describe('the editor user story', () => {
  it('builds, edits, runs and keeps the breast-cancer pipeline', async () => {
    const { page, errors } = await openPage(suite.browser, suite.app.url);
    const project = join(suite.app.home, 'story', 'story.pwproj');
    const csv = join(suite.app.home, 'workspace', 'data', 'breast_cancer.csv');

    // An empty project
    await page.getByTestId('project-button').click();
    await page.getByTestId('project-path-input').fill(project);
    await page.getByTestId('project-create').click();
    await page.waitForFunction(() => document.querySelectorAll('.react-flow__node').length === 0);
    await expect(page.getByTestId('pipeline-name').textContent()).resolves.toBe('story');
    await screenshot(page, 'story-empty-project');

    // Drag the nodes from the palette
    await dropFromPalette(page, 'data.csv', 380, 200);
    await dropFromPalette(page, 'features.split', 660, 200);
    await dropFromPalette(page, 'train.logistic_regression', 660, 420);
    await dropFromPalette(page, 'evaluate.classification', 940, 300);
    await page.waitForFunction(() => document.querySelectorAll('.react-flow__node').length === 4);
    for (const id of ['csv', 'split', 'logistic_regression', 'evaluate']) await page.getByTestId(`node-${id}`).waitFor();
    await screenshot(page, 'story-nodes-dropped');

    // Connect their handles
    await (await connect(page, 'handle-csv-out-table', 'handle-split-in-table'))();
    await (await connect(page, 'handle-split-out-train', 'handle-logistic_regression-in-train'))();
    await (await connect(page, 'handle-logistic_regression-out-model', 'handle-evaluate-in-model'))();
    await (await connect(page, 'handle-split-out-test', 'handle-evaluate-in-test'))();
    await page.waitForFunction(() => document.querySelectorAll('.react-flow__edge').length === 4);
    await screenshot(page, 'story-connected');

    // A wrong connection is refused on the spot, with its reason
    const release = await connect(page, 'handle-split-out-test', 'handle-evaluate-in-model');
    const hint = page.getByTestId('connection-hint');
    await hint.waitFor();
    await expect(hint.textContent()).resolves.toMatch(/wrong port kind.*table.*model/);
    await screenshot(page, 'story-wrong-connection-refused');
    await release();
    expect(await edgeCount(page)).toBe(4);
    // and a cycle too
    const release2 = await connect(page, 'handle-evaluate-out-metrics', 'handle-split-in-table');
    await hint.waitFor();
    await expect(hint.textContent()).resolves.toMatch(/wrong port kind|cycle/);
    await release2();
    expect(await edgeCount(page)).toBe(4);

    // Params in the inspector
    await select(page, 'csv');
    await page.getByTestId('param-path').fill(csv);
    await select(page, 'logistic_regression');
    await pickOption(page, 'param-label', 'diagnosis');
    await page.getByTestId('param-epochs').fill('60');
    await select(page, 'evaluate');
    await pickOption(page, 'param-label', 'diagnosis');
    await select(page, 'split');
    await page.getByTestId('param-testFraction').fill('0.25');
    await pickOption(page, 'param-stratifyBy', 'diagnosis');
    await screenshot(page, 'story-inspector');

    // Undo and redo (outside a text field, as a user would after clicking the canvas); each param
    // is its own undo step (steps merge only for the same field)
    await page.getByTestId('node-split').locator('.pw-node-header').click();
    await page.keyboard.press('Control+z');
    await expect.poll(() => page.getByTestId('param-stratifyBy').inputValue()).toBe('');
    await page.keyboard.press('Control+z');
    await expect.poll(() => page.getByTestId('param-testFraction').inputValue()).toBe('');
    await page.keyboard.press('Control+Shift+z');
    await expect.poll(() => page.getByTestId('param-testFraction').inputValue()).toBe('0.25');
    await page.keyboard.press('Control+Shift+z');
    await expect.poll(() => page.getByTestId('param-stratifyBy').inputValue()).toBe('diagnosis');
    await screenshot(page, 'story-undo-redo');

    // Change a param in the YAML view; the inspector follows
    await page.getByTestId('toggle-yaml').click();
    await yamlCursorAtEndOf(page, 'testFraction: 0.25');
    for (let i = 0; i < 4; i++) await page.keyboard.press('Backspace');
    await page.keyboard.type('0.3');
    await expect.poll(() => page.getByTestId('param-testFraction').inputValue()).toBe('0.3');
    await screenshot(page, 'story-yaml-edit');
    await page.getByTestId('toggle-yaml').click();

    // Run, and read the accuracy on the evaluate node
    await page.getByTestId('run-all').click();
    const outcome = await Promise.race([
      page.getByTestId('node-metrics-evaluate').waitFor({ timeout: RUN_MS }).then(() => 'metrics' as const),
      page.getByTestId('node-status-evaluate').and(page.locator('[data-status="failed"],[data-status="skipped"]')).waitFor({ timeout: RUN_MS }).then(() => 'failed' as const),
      page.locator('[data-testid="banner"]', { hasText: /not available/ }).waitFor({ timeout: RUN_MS }).then(() => 'unavailable' as const),
    ]);
    await screenshot(page, 'story-run');
    if (outcome === 'unavailable') {
      console.warn('SKIPPED the accuracy assertion: the server says running is not available yet (the engine has not landed)');
    } else {
      expect(outcome, await page.locator('[data-testid^="node-status-"]').allTextContents().then((t) => t.join(' | '))).toBe('metrics');
      const text = await page.getByTestId('node-metrics-evaluate').locator('[data-metric="accuracy"] b').textContent();
      const accuracy = Number(text);
      expect(accuracy).toBeGreaterThan(0.9);
      expect(accuracy).toBeLessThanOrEqual(1);
      await select(page, 'evaluate');
      await page.getByTestId('results').waitFor();
      await screenshot(page, 'story-results');
    }

    // Reload: everything as it was (once the project has it: autosave)
    await expect.poll(() => page.getByTestId('save-state').textContent()).toBe('saved');
    await page.reload();
    await page.waitForSelector('[data-testid="app"][data-ready="true"]');
    await page.waitForFunction(() => document.querySelectorAll('.react-flow__node').length === 4);
    expect(await edgeCount(page)).toBe(4);
    await expect(page.getByTestId('pipeline-name').textContent()).resolves.toBe('story');
    await select(page, 'split');
    await expect.poll(() => page.getByTestId('param-testFraction').inputValue()).toBe('0.3');
    await expect.poll(() => page.getByTestId('param-stratifyBy').inputValue()).toBe('diagnosis');
    await screenshot(page, 'story-after-reload');
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
