/**
 * Issue 15's story: a new analyst builds a 9-node pipeline on their own CSV (penguins, copied from
 * the team's data folder under a name of their own) with pickers only: every column, the label,
 * the stratify column and the gate's metric are chosen from lists the editor fills before anything
 * has run (schemas inferred from the file's header through the graph). Then it runs, and the
 * results are real: an accuracy that passes the gate, and one-hot's value columns named.
 */
import { describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { connect, dropFromPalette, openPage, pickOption, ROOT, RUN_MS, screenshot, selectNode } from './harness';
import { e2eSuite } from './suite';

const suite = e2eSuite();

const SOURCE = existsSync('/work/shared/data/penguins.csv') ? '/work/shared/data/penguins.csv' : join(ROOT, 'resources', 'data', 'penguins.csv');

/** Options of a picker (a <select>), as shown. */
const optionsOf = (page: Page, testId: string) => page.getByTestId(testId).locator('option').allTextContents();
/** Column chips of a list picker. */
const chipsOf = (page: Page, testId: string) => page.getByTestId(testId).locator('label[data-column]').evaluateAll((els) => els.map((e) => e.getAttribute('data-column')));

async function pickChips(page: Page, testId: string, columns: string[]) {
  for (const c of columns) await page.getByTestId(testId).locator(`label[data-column="${c}"]`).click();
  for (const c of columns) await expect.poll(() => page.getByTestId(testId).locator(`label[data-column="${c}"]`).getAttribute('class')).toMatch(/\bon\b/);
}

describe('the own-CSV story: 9 nodes, pickers only', () => {
  it('builds, picks every column from lists before running, runs and gets real results', async () => {
    const { page, errors } = await openPage(suite.browser, suite.app.url);
    const folder = join(suite.app.home, 'own');
    mkdirSync(join(folder, 'data'), { recursive: true });
    const csv = join(folder, 'data', 'my-penguins.csv');
    copyFileSync(SOURCE, csv);

    await page.getByTestId('project-button').click();
    await page.getByTestId('project-path-input').fill(join(folder, 'penguins.pwproj'));
    await page.getByTestId('project-create').click();
    await page.waitForFunction(() => document.querySelectorAll('.react-flow__node').length === 0);

    const layout: [string, string, number, number][] = [
      // three a row: an empty pipeline opens at 1:1, nodes 220 px wide
      ['data.csv', 'csv', 290, 110],
      ['features.select', 'select', 570, 110],
      ['features.impute', 'impute', 850, 110],
      ['features.one_hot', 'one_hot', 290, 370],
      ['features.split', 'split', 570, 370],
      ['features.standardize', 'standardize', 850, 370],
      ['train.logistic_regression', 'logistic_regression', 290, 630],
      ['evaluate.classification', 'evaluate', 570, 630],
      ['gate.metric', 'gate', 850, 630],
    ];
    for (const [type, , x, y] of layout) await dropFromPalette(page, type, x, y);
    for (const [, id] of layout) await page.getByTestId(`node-${id}`).waitFor();

    for (const [from, to] of [
      ['csv-out-table', 'select-in-table'],
      ['select-out-table', 'impute-in-table'],
      ['impute-out-table', 'one_hot-in-table'],
      ['one_hot-out-table', 'split-in-table'],
      ['split-out-train', 'standardize-in-train'],
      ['split-out-test', 'standardize-in-test'],
      ['standardize-out-train', 'logistic_regression-in-train'],
      ['logistic_regression-out-model', 'evaluate-in-model'],
      ['standardize-out-test', 'evaluate-in-test'],
      ['evaluate-out-metrics', 'gate-in-metrics'],
    ])
      await (await connect(page, `handle-${from}`, `handle-${to}`))();
    await page.waitForFunction(() => document.querySelectorAll('.react-flow__edge').length === 10);
    await screenshot(page, 'own-csv-wired');

    // The file: its columns are known at once, before any run
    await selectNode(page, 'csv');
    await page.getByTestId('param-path').fill(csv);
    await expect.poll(() => page.getByTestId('schema-summary').textContent()).toMatch(/table: 7 columns \(species, island, beak_length_mm/);

    await selectNode(page, 'select');
    await expect.poll(() => chipsOf(page, 'param-exclude')).toEqual(['species', 'island', 'beak_length_mm', 'beak_depth_mm', 'flipper_length_mm', 'body_mass_g', 'sex']);
    await pickChips(page, 'param-exclude', ['sex']);
    await screenshot(page, 'own-csv-select-picker');

    // Downstream pickers follow the edit: `sex` is gone from impute's list
    await selectNode(page, 'impute');
    await expect.poll(() => chipsOf(page, 'param-columns')).toEqual(['species', 'island', 'beak_length_mm', 'beak_depth_mm', 'flipper_length_mm', 'body_mass_g']);
    await pickChips(page, 'param-columns', ['beak_length_mm', 'beak_depth_mm', 'flipper_length_mm', 'body_mass_g']);

    await selectNode(page, 'one_hot');
    await pickChips(page, 'param-columns', ['island']);

    // After one-hot: island is replaced, and the editor says its value columns come with a run
    await selectNode(page, 'split');
    await expect.poll(() => optionsOf(page, 'param-stratifyBy')).toEqual(['— choose a column —', 'species · varchar', 'beak_length_mm · double', 'beak_depth_mm · double', 'flipper_length_mm · double', 'body_mass_g · double']);
    await expect(page.getByTestId('param-stratifyBy-note').textContent()).resolves.toMatch(/one 0\/1 column per value of "island"/);
    await pickOption(page, 'param-stratifyBy', 'species');
    await screenshot(page, 'own-csv-split-picker');

    await selectNode(page, 'logistic_regression');
    await pickOption(page, 'param-label', 'species');
    await page.getByTestId('param-epochs').fill('80');

    await selectNode(page, 'evaluate');
    await pickOption(page, 'param-label', 'species');

    // The gate's metric is picked from the names the evaluate node will write
    await selectNode(page, 'gate');
    await expect.poll(() => optionsOf(page, 'param-metric')).toContain('accuracy');
    await pickOption(page, 'param-metric', 'accuracy');
    await page.getByTestId('param-min').fill('0.9');
    // The picked metric has been validated (the field said "required" in a screenshot taken before that)
    await page.locator('.pw-inspector .pw-field.invalid').first().waitFor({ state: 'detached' });
    await screenshot(page, 'own-csv-gate-picker');

    // No column name was typed: every column param is a list, not a text box
    for (const [id, params] of [['select', ['exclude']], ['impute', ['columns']], ['split', ['stratifyBy']], ['logistic_regression', ['label']], ['evaluate', ['label']]] as const) {
      await selectNode(page, id);
      for (const p of params) expect(await page.getByTestId(`param-${p}`).evaluate((e) => e.tagName), `${id}.${p}`).not.toBe('INPUT');
    }

    await page.getByTestId('run-all').click();
    await page.locator('[data-testid="node-status-gate"][data-status="succeeded"]').waitFor({ timeout: RUN_MS });
    const accuracy = Number(await page.getByTestId('node-metrics-evaluate').locator('[data-metric="accuracy"] b').textContent());
    expect(accuracy).toBeGreaterThanOrEqual(0.9);
    expect(accuracy).toBeLessThanOrEqual(1);
    await screenshot(page, 'own-csv-run');

    // After the run the pickers know one-hot's value columns too
    await selectNode(page, 'standardize');
    await expect.poll(() => chipsOf(page, 'param-exclude')).toEqual(expect.arrayContaining(['island_Biscoe', 'island_Dream', 'island_Torgersen']));
    await selectNode(page, 'evaluate');
    await page.getByTestId('results').waitFor();
    await screenshot(page, 'own-csv-results');
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
