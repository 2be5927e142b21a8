/**
 * Issue 14's story, in a real Chromium against the real server, without the command line: a user
 * who trained three variants finds the best run in the Runs page, sees exactly what differed from
 * the runner-up, traces its model back to the CSV file's sha256, opens it on the canvas as it
 * ran, re-runs it exactly, restores the pipeline version that produced it, diffs two versions,
 * and sees what each retention policy would free before anything is deleted.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openExampleInOwnProject, openPage, RUN_MS, screenshot } from './harness';
import { e2eSuite } from './suite';

const suite = e2eSuite();

async function runAll(page: Page): Promise<string> {
  const before = await page.getByTestId('run-status').getAttribute('data-run-id').catch(() => null);
  await page.getByTestId('run-all').click();
  await expect.poll(() => page.getByTestId('run-status').getAttribute('data-run-id'), { timeout: RUN_MS }).not.toBe(before);
  await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: RUN_MS }).toMatch(/^(succeeded|gate_failed)$/);
  return (await page.getByTestId('run-status').getAttribute('data-run-id'))!;
}

async function setL2(page: Page, value: string): Promise<void> {
  await page.getByTestId('node-train').locator('.pw-node-header').click();
  await expect.poll(() => page.getByTestId('node-id-input').inputValue()).toBe('train');
  await page.getByTestId('param-l2').fill(value);
  await page.getByTestId('param-l2').press('Tab');
  await expect.poll(() => page.getByTestId('save-state').textContent()).toBe('saved');
}

describe('run history, comparison, lineage and versions (issue 14)', () => {
  it('finds the best of three variants, compares, traces it to the CSV hash and restores its version', async () => {
    const { page, errors } = await openPage(suite.browser, suite.app.url);
    const project = join(suite.app.home, 'history', 'history.pwproj');
    const csv = join(suite.app.home, 'workspace', 'data', 'breast_cancer.csv');
    const csvSha = createHash('sha256').update(readFileSync(csv)).digest('hex');
    await openExampleInOwnProject(page, suite.app.home, project);

    // three variants: l2 0 (the example), 2 and 0.01
    const ids = [await runAll(page)];
    await setL2(page, '2');
    ids.push(await runAll(page));
    await setL2(page, '0.01');
    ids.push(await runAll(page));

    // The Runs page: every run, sorted by accuracy, best first
    await page.getByTestId('page-tab-runs').click();
    await expect.poll(() => page.getByTestId('runs-count').textContent()).toBe('3 runs');
    await page.getByTestId('runs-sort-m:accuracy').click();
    const rows = page.getByTestId('runs-row');
    const order = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-run')!));
    expect(order.sort()).toEqual([...ids].sort());
    const sorted = await rows.evaluateAll((els) => els.sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top)).map((e) => e.getAttribute('data-run')!));
    const [best, runnerUp] = sorted;
    const acc = await page.evaluate(() => [...document.querySelectorAll<HTMLElement>('[data-testid="runs-row"]')].sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top)).map((r) => r.querySelector('[data-col="m:accuracy"]')?.textContent ?? ''));
    expect(Number(acc[1])).toBeGreaterThan(0.5);
    expect(Number(acc[0])).toBeGreaterThanOrEqual(Number(acc[1]));
    await page.getByTestId('runs-columns').click();
    await page.getByTestId('runs-col-seed').check();
    await page.getByTestId('runs-columns').click();
    await page.locator(`[data-testid="runs-row"][data-run="${best}"]`).click();
    await page.getByTestId('run-detail').locator('[data-testid="run-node-train"]').waitFor();
    // each metric keeps its name and value on one line ("f1" at a line's end, "0.965" on the next, before)
    await expect(
      page.getByTestId('run-detail').locator('.pw-metric').evaluateAll((els) => els.filter((e) => new Set([...e.getClientRects()].map((r) => Math.round(r.top))).size > 1).map((e) => e.textContent)),
    ).resolves.toEqual([]);
    await screenshot(page, 'history-runs-page');

    // Compare the best with the runner-up: same params, the train node's l2 changed
    await page.getByTestId(`runs-pick-${best}`).check();
    await page.getByTestId(`runs-pick-${runnerUp}`).check();
    await page.getByTestId('runs-compare').click();
    await page.getByTestId('compare-metrics').waitFor();
    // every change in one format: signed, the decimals of the values it compares (issue 15)
    for (const d of await page.getByTestId('compare-metrics').locator('.pw-delta').allTextContents()) expect(d.trim()).toMatch(/^[+-](\d+\.\d{3}|\d+|\d+\.\d{1}|\d(\.\d)?e-\d+)$/);
    await expect.poll(() => page.getByTestId('graph-diff-summary').textContent()).toBe('0 added · 0 removed · 1 changed');
    await expect.poll(() => page.getByTestId('diff-node-train').getAttribute('data-state')).toBe('changed');
    // the example leaves l2 out: its run shows the value the default gave it, marked as such
    const l2 = { [ids[0]]: '0 (default)', [ids[1]]: '2', [ids[2]]: '0.01' };
    // what differed is said at the top: the pipeline params are the same, the train node's l2 is not
    await expect(page.getByTestId('compare-params').locator('tr').count()).resolves.toBe(1);
    await expect(page.getByTestId('compare-param-train.l2').allTextContents()).resolves.toEqual([l2[best], l2[runnerUp]]);
    await expect(page.getByTestId('diff-node-train').textContent()).resolves.toContain(`params.l2: ${l2[best]} → ${l2[runnerUp]}`);
    await page.getByTestId('compare-confusion-evaluate').waitFor();
    await screenshot(page, 'history-compare');
    await page.getByTestId('graph-diff').scrollIntoViewIfNeeded();
    await screenshot(page, 'history-compare-graph');

    // Trace the best run's model back to the CSV file's hash
    await page.getByTestId('history-tab-runs').click();
    await page.locator(`[data-testid="runs-row"][data-run="${best}"]`).click();
    await page.getByTestId('run-lineage-train-model').click();
    await expect.poll(() => page.getByTestId('lineage-file-sha').first().textContent()).toBe(csvSha);
    await expect(page.getByTestId('lineage-summary').textContent()).resolves.toContain(`run ${best}`);
    await page.getByTestId(`lineage-node-${best}-train`).waitFor();
    await screenshot(page, 'history-lineage');

    // Open it on the canvas as it ran: its version, its node states; then re-run it exactly
    await page.getByTestId('lineage-open-run').click();
    await page.getByTestId('run-banner').waitFor();
    await expect(page.getByTestId('run-banner').getAttribute('data-run')).resolves.toBe(best);
    await expect.poll(() => page.getByTestId('node-status-evaluate').getAttribute('data-status')).toMatch(/succeeded|cached/);
    await screenshot(page, 'history-run-on-canvas');
    await page.getByTestId('run-banner-rerun').click();
    await expect.poll(() => page.getByTestId('run-status').getAttribute('data-run-id'), { timeout: RUN_MS }).not.toBe(ids[2]);
    await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: RUN_MS }).toBe('succeeded');
    const rerun = (await page.getByTestId('run-status').getAttribute('data-run-id'))!;
    expect(ids).not.toContain(rerun);

    // The re-run used the same version as the best run
    await page.getByTestId('page-tab-runs').click();
    await page.getByTestId('history-tab-runs').click();
    await expect.poll(() => page.getByTestId('runs-count').textContent()).toBe('4 runs');
    const versionOf = (id: string) => page.locator(`[data-testid="runs-row"][data-run="${id}"] [data-col="version"]`).textContent();
    await expect.poll(() => versionOf(rerun)).toBe(await versionOf(best));

    // Restore the version that produced the best run (the open pipeline is l2 0.01 now)
    await page.getByTestId('history-tab-versions').click();
    await page.getByTestId('versions-table').waitFor();
    const versionRow = page.locator('[data-testid^="version-"]', { has: page.getByRole('button', { name: best, exact: true }) }).first();
    const versionId = (await versionRow.getAttribute('data-testid'))!.replace('version-', '');
    const all = await page.locator('tr[data-testid^="version-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')!.replace('version-', '')));
    expect(all.length).toBeGreaterThanOrEqual(3);
    const other = all.find((v) => v !== versionId)!;
    await page.getByTestId(`version-pick-${versionId}`).check();
    await page.getByTestId(`version-pick-${other}`).check();
    await expect.poll(() => page.getByTestId('version-diff').getAttribute('data-diffs')).not.toBeNull();
    await expect.poll(async () => Number(await page.getByTestId('version-diff').getAttribute('data-diffs'))).toBeGreaterThan(0);
    await screenshot(page, 'history-versions-diff');
    await page.getByTestId(`version-restore-${versionId}`).click();
    await page.getByTestId('canvas').waitFor();
    await expect.poll(() => page.getByTestId('save-state').textContent()).toBe('saved');
    await page.getByTestId('node-train').locator('.pw-node-header').click();
    const bestL2 = { [ids[0]]: '', [ids[1]]: '2', [ids[2]]: '0.01' }[best];
    await expect.poll(() => page.getByTestId('param-l2').inputValue()).toBe(bestL2);
    await screenshot(page, 'history-restored');

    // After a reload the restored version is the one that opens
    await page.reload();
    await page.waitForSelector('[data-testid="app"][data-ready="true"]');
    await page.getByTestId('node-train').locator('.pw-node-header').click();
    await expect.poll(() => page.getByTestId('param-l2').inputValue()).toBe(bestL2);

    // Retention: what each policy frees, nothing deleted until asked
    await page.getByTestId('page-tab-runs').click();
    await page.getByTestId('history-tab-retention').click();
    await page.getByTestId('retention-table').waitFor();
    await expect.poll(() => page.getByTestId('retention-1-runs').textContent()).toMatch(/^[1-9]/);
    await screenshot(page, 'history-retention');
    await page.getByTestId('history-tab-runs').click();
    await expect.poll(() => page.getByTestId('runs-count').textContent()).toBe('4 runs');
    page.once('dialog', (d) => void d.accept());
    await page.getByTestId('history-tab-retention').click();
    await page.getByTestId('retention-apply-1').click();
    await page.getByTestId('history-tab-runs').click();
    await expect.poll(() => page.getByTestId('runs-count').textContent()).not.toBe('4 runs');
    expect(errors).toEqual([]);
  });
});
