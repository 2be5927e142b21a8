/**
 * The toolbar with long names (issue 15's leftovers): a long project file name and a long pipeline
 * name are cut in the middle (both ends readable, the whole name in the tooltip) and the bar stays
 * one line, nothing past the window's edge, at 1280 and at 1440 px.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openPage, screenshot } from './harness';
import { e2eSuite } from './suite';
import { longRunPipeline } from './long-run';

const suite = e2eSuite();

/** How the bar lies: its height, the lowest top and highest bottom of its controls, and what spills out. */
function barLayout(page: Page) {
  return page.evaluate(() => {
    const bar = document.querySelector('.pw-toolbar')!.getBoundingClientRect();
    const items = [...document.querySelectorAll<HTMLElement>('.pw-toolbar button, .pw-toolbar .pw-doc-name, .pw-toolbar .pw-save-state')].filter((e) => e.offsetParent !== null);
    const rects = items.map((e) => e.getBoundingClientRect());
    // a cut name: its text overflows nothing, and it is cut no shorter than its box needs (less than a character to spare)
    const cut = [...document.querySelectorAll<HTMLElement>('.pw-toolbar .pw-mid-ellipsis')].flatMap((e) => {
      const range = document.createRange();
      range.selectNodeContents(e);
      const text = range.getBoundingClientRect().width;
      const box = e.getBoundingClientRect().width;
      return text > box + 0.5 || (e.textContent!.includes('…') && box - text > 12) ? [`${e.textContent}: text ${text}, box ${box}`] : [];
    });
    return {
      height: bar.height,
      rows: new Set(rects.map((r) => Math.round(r.top + r.height / 2))).size <= 2 && Math.max(...rects.map((r) => r.top)) - Math.min(...rects.map((r) => r.top)) < 12 ? 1 : 2,
      right: Math.max(...rects.map((r) => r.right)),
      width: window.innerWidth,
      cut,
    };
  });
}

describe('the toolbar', () => {
  it('cuts long project and pipeline names in the middle, whole in the tooltip, and stays one line at 1280 and 1440 px', async () => {
    const { page, errors } = await openPage(suite.browser, suite.app.url);
    const name = 'quarterly-customer-churn-retraining-with-holdout-2026';
    const file = join(suite.app.home, 'workspace', 'examples', `${name}.pipeline.yaml`);
    writeFileSync(file, longRunPipeline(3, name));
    const dir = join(suite.app.home, 'toolbar');
    mkdirSync(dir, { recursive: true });
    const project = join(dir, `${name}.pwproj`);
    await page.getByTestId('project-button').click();
    await page.getByTestId('project-path-input').fill(project);
    await page.getByTestId('project-create').click();
    await expect.poll(() => page.getByTestId('project-button').getAttribute('title')).toBe(`Project: ${project}`);
    await page.getByTestId('project-button').click();
    await page.getByTestId('open-path-input').fill(file);
    await page.getByTestId('open-path').click();
    await page.getByTestId('node-train').waitFor();
    await expect.poll(() => page.getByTestId('pipeline-name').getAttribute('title')).toBe(name);

    const shown: string[] = [];
    for (const [width, height] of [[1280, 720], [1440, 900]]) {
      await page.setViewportSize({ width, height });
      // start … end of each name, as many characters as the bar leaves room for
      await expect.poll(() => page.getByTestId('project-button').textContent()).toMatch(/^quar\S+…\S+proj$/);
      await expect.poll(() => page.getByTestId('pipeline-name').textContent()).toMatch(/^quar\S+…\S+26$/);
      // The names are cut again once the bar has its new width (a ResizeObserver): until then the
      // previous width's cut is shown, which also matches the patterns above. Wait for the new cut.
      await expect.poll(async () => (await barLayout(page)).cut).toEqual([]);
      shown.push(`${await page.getByTestId('project-button').textContent()} ${await page.getByTestId('pipeline-name').textContent()}`);
      const bar = await barLayout(page);
      expect(bar.rows, `one line at ${width}`).toBe(1);
      expect(bar.height).toBeLessThan(48);
      expect(bar.right).toBeLessThanOrEqual(bar.width);
      await screenshot(page, `toolbar-long-names-${width}`);
    }
    // the wider window shows more of both names
    expect(shown[1].length).toBeGreaterThan(shown[0].length);
    // a short name is shown whole, with no ellipsis
    await page.getByTestId('project-button').click();
    await page.getByTestId('open-path-input').fill(join(suite.app.home, 'workspace', 'examples', 'iris.pipeline.yaml'));
    await page.getByTestId('open-path').click();
    await expect.poll(() => page.getByTestId('pipeline-name').textContent()).toBe('iris');
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
