/**
 * Issue 15, item 10: a notice about one pipeline is not shown on another. Pipeline A's run cannot
 * start (a bad param); the user opens pipeline B: A's notice is not on B's screen. Back on A it is
 * there again (still true: no run of A started since), and the next run of A settles it.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openExampleInOwnProject, openPage, RUN_MS, screenshot, selectNode } from './harness';
import { e2eSuite } from './suite';

const suite = e2eSuite();

describe('notices belong to their pipeline', () => {
  it("hides pipeline A's notice on pipeline B and shows it again on A until it is settled", async () => {
    const { page, errors } = await openPage(suite.browser, suite.app.url);
    await openExampleInOwnProject(page, suite.app.home, join(suite.app.home, 'notices', 'notices.pwproj'));
    const banner = page.locator('[data-testid="banner"]', { hasText: /could not start the run/ });

    // A: a test fraction of 5 is refused by main when the run starts
    await selectNode(page, 'split');
    await page.getByTestId('param-testFraction').fill('5');
    await page.getByTestId('param-testFraction').press('Tab');
    await page.getByTestId('run-all').click();
    await banner.waitFor();
    await expect(banner.textContent()).resolves.toMatch(/nodes\.split\.params\.testFraction/);
    // put right again, so A is saved as it was before the user leaves it
    await page.getByTestId('param-testFraction').fill('0.2');
    await page.getByTestId('param-testFraction').press('Tab');
    await expect.poll(() => page.getByTestId('save-state').textContent(), { timeout: 10_000 }).toBe('saved');
    await screenshot(page, 'notice-on-a');

    // B: a new pipeline of the same project shows none of A's notices
    await page.getByTestId('new-pipeline').click();
    await page.getByTestId('new-name-input').fill('other');
    await page.getByTestId('new-create').click();
    await expect.poll(() => page.getByTestId('pipeline-name').textContent()).toBe('other');
    await expect(banner.count()).resolves.toBe(0);
    await expect(page.locator('[data-testid="banner"]').count()).resolves.toBe(0);
    await screenshot(page, 'notice-not-on-b');

    // back on A: its notice is there again
    await page.getByTestId('project-button').click();
    await page.getByTestId('open-pipeline-breast-cancer').click();
    await page.waitForSelector('[data-testid="node-gate"]');
    await banner.waitFor();

    // a run of A starts: why the last one could not is no longer shown
    await page.getByTestId('run-all').click();
    await banner.waitFor({ state: 'detached' });
    await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: RUN_MS }).toMatch(/succeeded|failed/);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
