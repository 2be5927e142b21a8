/**
 * Issue 15, item 2: New asks for a name, refuses one the project already has (the example's), and
 * the work it replaces stays reachable: the project's pipelines are listed and open again with
 * their edits. Also item 10: the Project popover closes on Escape and on a click outside.
 */
import { describe, expect, it } from 'vitest';
import { openPage, screenshot } from './harness';
import { e2eSuite } from './suite';

const suite = e2eSuite();

describe('new pipelines and saved work', () => {
  it('names a new pipeline, never overwrites another, and lists what the project holds', async () => {
    const { page, errors } = await openPage(suite.browser, suite.app.url);
    await page.waitForSelector('[data-testid="node-gate"]');
    const example = await page.getByTestId('pipeline-name').textContent();
    await expect.poll(() => page.getByTestId('save-state').textContent(), { timeout: 10_000 }).toBe('saved');

    // The name of the open pipeline is taken: refused with the reason
    await page.getByTestId('new-pipeline').click();
    await page.getByTestId('new-name-input').fill(example!);
    await expect(page.getByTestId('new-name-problem').textContent()).resolves.toMatch(/already has a pipeline/);
    await expect(page.getByTestId('new-create').isDisabled()).resolves.toBe(true);
    await screenshot(page, 'new-name-taken');
    await page.getByTestId('new-name-input').fill('churn-model');
    await page.getByTestId('new-create').click();
    await page.waitForFunction(() => document.querySelectorAll('.react-flow__node').length === 0);
    await expect(page.getByTestId('pipeline-name').textContent()).resolves.toBe('churn-model');
    await expect.poll(() => page.getByTestId('save-state').textContent(), { timeout: 10_000 }).toBe('saved');

    // Both are in the project, and the example opens again with its nodes
    await page.getByTestId('project-button').click();
    const list = page.getByTestId('project-pipelines');
    await expect.poll(() => list.textContent()).toMatch(new RegExp(`${example}.*|churn-model`));
    await expect(list.textContent()).resolves.toContain('churn-model');
    await screenshot(page, 'project-pipelines');
    // Escape closes the popover; a click outside too
    await page.keyboard.press('Escape');
    await page.getByTestId('project-popover').waitFor({ state: 'detached' });
    await page.getByTestId('project-button').click();
    await page.mouse.click(1000, 750); // empty canvas, away from the popover
    await page.getByTestId('project-popover').waitFor({ state: 'detached' });
    await page.getByTestId('project-button').click();
    await page.getByTestId(`open-pipeline-${example}`).click();
    await page.waitForSelector('[data-testid="node-gate"]');
    await expect(page.getByTestId('pipeline-name').textContent()).resolves.toBe(example);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
