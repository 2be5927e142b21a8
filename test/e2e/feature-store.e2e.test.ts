/**
 * The feature-store example in the editor (issue 12, item 6): after a run, a view node shows its
 * entity, event-time range, rows per entity and freshness; the join shows, per view, the share
 * of label rows that found features; a materialisation shows the rows it read and wrote.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { openPage, screenshot, selectNode } from './harness';
import { e2eSuite } from './suite';
import { openInOwnProject } from './long-run';

const suite = e2eSuite();

/** Words of the feature summary's values that are laid out over two lines or more. */
async function brokenWords(page: Page): Promise<string[]> {
  return page.getByTestId('feature-summary').evaluate((table) => {
    const broken: string[] = [];
    for (const td of table.querySelectorAll('td:last-child')) {
      const walker = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const text = n.textContent ?? '';
        for (const m of text.matchAll(/\S+/g)) {
          const range = document.createRange();
          range.setStart(n, m.index);
          range.setEnd(n, m.index + m[0].length);
          if (new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size > 1) broken.push(m[0]);
        }
      }
    }
    return broken;
  });
}

describe('feature store in the editor', () => {
  it('shows view, join and materialisation summaries after a run', async () => {
    const { page, errors } = await openPage(suite.browser, suite.app.url);
    const yaml = readFileSync(join(suite.app.home, 'workspace', 'examples', 'weather-features.pipeline.yaml'), 'utf8');
    await openInOwnProject(page, suite.app.home, 'features-weather', yaml);
    await page.getByTestId('run-all').click();
    await expect.poll(() => page.getByTestId('run-status').textContent({ timeout: 2000 }).catch(() => null), { timeout: 300_000 }).toBe('succeeded');

    await selectNode(page, 'daily_view');
    const view = page.getByTestId('feature-summary');
    await view.waitFor();
    const text = await view.textContent();
    expect(text).toContain('daily_weather');
    expect(text).toContain('entitycity');
    expect(text).toContain('2012-01-02 00:00 – 2016-01-01 00:00 UTC');
    expect(text).toContain('rows per entity1461');
    expect(await page.getByTestId('feature-freshness').textContent()).toMatch(/^freshnessnewest event \d+(\.\d)? years ago$/);
    await expect(brokenWords(page)).resolves.toEqual([]);
    await screenshot(page, 'feature-store-view');

    await selectNode(page, 'join');
    await page.locator('.pw-found-row[data-view="weekly_weather"]').waitFor();
    expect(await page.locator('.pw-found-row[data-view="daily_weather"] .pw-found-pct').textContent()).toBe('100 %');
    expect(await page.locator('.pw-found-row[data-view="weekly_weather"] .pw-found-pct').textContent()).toBe('100 %');
    await screenshot(page, 'feature-store-join');

    await selectNode(page, 'online_weekly');
    await expect.poll(() => page.getByTestId('feature-summary').textContent()).toMatch(/entities written online1/);
    // Short values are not broken mid-word beside a long label ("now" read as "no" / "w").
    await expect(brokenWords(page)).resolves.toEqual([]);
    await screenshot(page, 'feature-store-materialize');
    expect(errors).toEqual([]);
  }, 400_000);
});
