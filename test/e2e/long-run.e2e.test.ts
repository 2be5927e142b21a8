/**
 * Issue 15, item 1: a long training run with its node selected. Every epoch's points reach the
 * curve, the node shows its end state as soon as the run ends, a cached re-run still shows the
 * curve (item 8), and Cancel stops a run that streams tens of thousands of points.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openPage, revealNode, RUN_MS, screenshot } from './harness';
import { longRunPipeline, openInOwnProject } from './long-run';
import { e2eSuite } from './suite';

const suite = e2eSuite();

const points = (page: Page) => page.getByTestId('training-curves-box').getAttribute('data-points').then(Number).catch(() => 0);

describe('a long training run', () => {
  it('streams every point, ends promptly, keeps the curve when cached, and cancels under load', async () => {
    const { page, errors } = await openPage(suite.browser, suite.app.url);
    await openInOwnProject(page, suite.app.home, 'long-run', longRunPipeline(3000));
    await revealNode(page, 'train');
    await page.getByTestId('node-train').locator('.pw-node-header').click();
    await page.getByTestId('run-all').click();
    await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: RUN_MS }).toBe('succeeded');
    // loss, valLoss and valAccuracy for each of the 3,000 epochs: none lost on the way
    await expect.poll(() => points(page)).toBe(9000);
    await expect(page.getByTestId('node-status-train').textContent()).resolves.not.toMatch(/epoch/);
    // the curve's canvas is drawn: the plot's pixels are not all blank
    await page.getByTestId('training-curves').scrollIntoViewIfNeeded();
    await expect.poll(() => page.getByTestId('training-curves').evaluate((c: HTMLCanvasElement) => c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data.some((v, i) => i % 4 === 3 && v > 0))).toBe(true);
    // hovering names the epoch and each curve's value there, rounded
    const box = (await page.getByTestId('training-curves').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await expect.poll(() => page.locator('.pw-live-curves-tip').textContent()).toMatch(/^epoch \d+ · loss \d+(\.\d{1,3})?(e-?\d+)? · /);
    await screenshot(page, 'long-run-finished');

    // Run again: the trainer is reused, and its curve is the one of the execution it reused
    await page.getByTestId('run-all').click();
    await expect.poll(() => page.getByTestId('node-status-train').getAttribute('data-status'), { timeout: RUN_MS }).toBe('cached');
    await expect.poll(() => points(page)).toBe(9000);
    await screenshot(page, 'long-run-cached-curve');

    // 100,000 epochs: cancel once 30,000 points have been drawn
    await page.getByTestId('param-epochs').fill('100000');
    await page.getByTestId('param-epochs').press('Tab');
    await page.getByTestId('run-all').click();
    await expect.poll(() => points(page), { timeout: 150_000, interval: 500 }).toBeGreaterThan(30_000);
    await page.getByTestId('training-curves').scrollIntoViewIfNeeded();
    await screenshot(page, 'long-run-live');
    await page.getByTestId('cancel-run').click();
    await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: 5_000 }).toBe('cancelled');
    await expect.poll(() => page.getByTestId('node-status-train').getAttribute('data-status')).toBe('cancelled');
    const drawn = await points(page);
    // After the cancel nothing more streams in
    await expect.poll(async () => (await points(page)) - drawn, { timeout: 2_000 }).toBe(0);
    await screenshot(page, 'long-run-cancelled');
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
