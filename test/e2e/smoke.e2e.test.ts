import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { registry } from '../../nodes/registry';
import { nodesUnderPanels, openPage, ROOT, screenshot, startServer, waitForLayout } from './harness';
import { e2eSuite } from './suite';

const suite = e2eSuite();

describe('smoke', () => {
  it('loads the page and the palette lists every catalogue type, grouped by stage', async () => {
    const { page, errors } = await openPage(suite.browser, suite.app.url);
    const catalog = registry.catalog();
    expect(catalog.length).toBeGreaterThan(15);
    // the catalogue arrives over the API after the page is ready
    await page.locator('[data-testid^="palette-item-"]').nth(catalog.length - 1).waitFor();
    for (const t of catalog) {
      const item = page.getByTestId(`palette-item-${t.type}`);
      await expect(item.count()).resolves.toBe(1);
      // the item sits in its stage's group
      await expect(page.getByTestId(`palette-stage-${t.stage}`).getByTestId(`palette-item-${t.type}`).count()).resolves.toBe(1);
      if (!t.available) await expect(item.textContent()).resolves.toContain('soon');
    }
    expect(await page.locator('[data-testid^="palette-item-"]').count()).toBe(catalog.length);
    // the search filters
    await page.getByTestId('palette-search').fill('logistic');
    await expect.poll(() => page.locator('[data-testid^="palette-item-"]').count()).toBe(1);
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
    // the example as the bundled file has it: every node and every wire drawn
    const example = parse(readFileSync(join(ROOT, 'resources', 'examples', 'breast-cancer.pipeline.yaml'), 'utf8')) as { nodes: Record<string, { inputs?: Record<string, string> }> };
    const nodes = Object.values(example.nodes);
    const wires = nodes.reduce((n, node) => n + Object.keys(node.inputs ?? {}).length, 0);
    expect(nodes.length).toBeGreaterThanOrEqual(4);
    await expect.poll(() => page.getByTestId('pipeline-name').textContent()).toBe('breast-cancer');
    await expect.poll(() => page.locator('.react-flow__node').count()).toBe(nodes.length);
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(wires);
    // laid out (the bundled file has no layout: its nodes start stacked at the origin) and fitted
    // clear of the zoom controls, as the user gets to see it
    await waitForLayout(page);
    await expect.poll(() => nodesUnderPanels(page)).toEqual([]);
    await screenshot(page, 'smoke-example');
    await page.context().close();
    await fresh.stop();
    expect(errors).toEqual([]);
  });
});
