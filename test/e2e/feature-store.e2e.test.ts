/**
 * The feature-store example in the editor (issue 12, item 6): after a run, a view node shows its
 * entity, event-time range, rows per entity and freshness; the join shows, per view, the share
 * of label rows that found features; a materialisation shows the rows it read and wrote.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openPage, screenshot, selectNode } from './harness';
import { e2eSuite } from './suite';
import { openInOwnProject } from './long-run';

const suite = e2eSuite();

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
    await screenshot(page, 'feature-store-view');

    await selectNode(page, 'join');
    await page.locator('.pw-found-row[data-view="weekly_weather"]').waitFor();
    expect(await page.locator('.pw-found-row[data-view="daily_weather"] .pw-found-pct').textContent()).toBe('100 %');
    expect(await page.locator('.pw-found-row[data-view="weekly_weather"] .pw-found-pct').textContent()).toBe('100 %');
    await screenshot(page, 'feature-store-join');

    await selectNode(page, 'online_weekly');
    await expect.poll(() => page.getByTestId('feature-summary').textContent()).toMatch(/entities written online1/);
    await screenshot(page, 'feature-store-materialize');
    expect(errors).toEqual([]);
  }, 400_000);
});
