import { describe, expect, it } from 'vitest';
import { registry } from '../../nodes/registry';
import { openPage, screenshot, startServer } from './harness';
import { e2eSuite } from './suite';

const suite = e2eSuite();

describe('smoke', () => {
  it('loads the page and the palette lists every catalogue type, grouped by stage', async () => {
    const { page, errors } = await openPage(suite.browser, suite.app.url);
    const catalog = registry.catalog();
    expect(catalog.length).toBeGreaterThan(15);
    for (const t of catalog) {
      const item = page.getByTestId(`palette-item-${t.type}`);
      await expect(item.count()).resolves.toBe(1);
      // the item sits in its stage's group
      await expect(page.getByTestId(`palette-stage-${t.stage}`).getByTestId(`palette-item-${t.type}`).count()).resolves.toBe(1);
      if (!t.available) await expect(item.textContent()).resolves.toContain('soon');
    }
    // the search filters
    await page.getByTestId('palette-search').fill('logistic');
    await expect(page.locator('[data-testid^="palette-item-"]').count()).resolves.toBe(1);
    await screenshot(page, 'smoke-palette');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('a first start opens the bundled example drawn on the canvas', async () => {
    // A first start for real: a server of its own with an empty PIPEWRIGHT_HOME.
    const fresh = await startServer();
    const { page, errors } = await openPage(suite.browser, fresh.url).catch(async (e) => {
      await fresh.stop();
      throw e;
    });
    await page.waitForSelector('.react-flow__node', { timeout: 15_000 });
    const nodes = await page.locator('.react-flow__node').count();
    expect(nodes).toBeGreaterThanOrEqual(4);
    const edges = await page.locator('.react-flow__edge').count();
    expect(edges).toBeGreaterThanOrEqual(nodes - 1);
    await expect(page.getByTestId('pipeline-name').textContent()).resolves.toBe('breast-cancer');
    await screenshot(page, 'smoke-example');
    await page.context().close();
    await fresh.stop();
    expect(errors).toEqual([]);
  });
});
