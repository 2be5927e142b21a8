/**
 * Issue 15: a folded (wrapped) auto-layout must not draw wires across nodes. A long linear
 * pipeline is folded into bands; each wire is sampled along its drawn path and no sample may lie
 * inside a node's box (other than the two it joins, near their handles). The 201-node import is
 * checked the same way and photographed, with the minimap clear of its nodes. Fit keeps every
 * node and wire of each bundled example clear of the zoom controls and the minimap, at 1280x720
 * and 1440x900.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { nodesUnderPanels, openPage, ROOT, screenshot, waitForLayout } from './harness';
import { e2eSuite } from './suite';

const suite = e2eSuite();

/** A pipeline without a layout block (auto-layout places it): `chains` chains of `length` nodes fed by one CSV. */
function pipeline(name: string, chains: number, length: number): string {
  const lines = ['apiVersion: pipewright/v1', 'kind: Pipeline', 'metadata:', `  name: ${name}`, 'nodes:', '  load:', '    type: data.csv', '    params:', '      path: ../data/iris.csv'];
  for (let c = 0; c < chains; c++)
    for (let k = 0; k < length; k++) {
      const id = chains === 1 ? `step${k + 1}` : `c${c}s${k}`;
      const from = k === 0 ? 'load' : chains === 1 ? `step${k}` : `c${c}s${k - 1}`;
      lines.push(`  ${id}:`, `    type: ${k % 2 ? 'features.select' : 'features.impute'}`, '    inputs:', `      table: ${from}.table`);
      if (k % 2) lines.push('    params:', '      exclude: [species]');
    }
  return lines.join('\n') + '\n';
}

async function open(page: Page, name: string, yaml: string): Promise<void> {
  const dir = join(suite.app.home, 'wires');
  mkdirSync(dir, { recursive: true });
  const file = join(suite.app.home, 'workspace', 'examples', `${name}.pipeline.yaml`);
  writeFileSync(file, yaml);
  await page.getByTestId('project-button').click();
  await page.getByTestId('project-path-input').fill(join(dir, `${name}.pwproj`));
  await page.getByTestId('project-create').click();
  await expect.poll(() => page.getByTestId('project-button').textContent()).toContain(`${name}.pwproj`);
  await page.getByTestId('project-button').click();
  await page.getByTestId('open-path-input').fill(file);
  await page.getByTestId('open-path').click();
  await expect.poll(() => page.getByTestId('pipeline-name').textContent()).toBe(name);
}

/** Wires whose drawn path passes through a node box that is not one of its two ends: "edge id -> node id". */
function crossings(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const boxes = [...document.querySelectorAll<HTMLElement>('.react-flow__node')].map((n) => ({ id: n.dataset.id!, r: n.getBoundingClientRect() }));
    const out: string[] = [];
    for (const edge of document.querySelectorAll<SVGGElement>('.react-flow__edge')) {
      const id = edge.dataset.id ?? edge.getAttribute('data-testid') ?? '';
      const path = edge.querySelector<SVGPathElement>('path.react-flow__edge-path');
      const m = path?.getScreenCTM();
      if (!path || !m) continue;
      const [from, to] = id.split('->').map((s) => s.split('.')[0].replace(/^xy-edge__/, ''));
      const total = path.getTotalLength();
      for (let l = 0; l <= total; l += 4) {
        const p = new DOMPoint(path.getPointAtLength(l).x, path.getPointAtLength(l).y).matrixTransform(m);
        for (const b of boxes) {
          if (b.id === from || b.id === to) continue;
          if (p.x > b.r.left + 2 && p.x < b.r.right - 2 && p.y > b.r.top + 2 && p.y < b.r.bottom - 2) out.push(`${id} -> ${b.id}`);
        }
      }
    }
    return [...new Set(out)];
  });
}

/**
 * What lies under the canvas's zoom controls or its minimap: nodes whose box meets a panel's box,
 * and wires with a sample point (every 4 px along the drawn path) inside one ("wire id -> panel").
 */
function underPanels(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const panels = [
      ['controls', document.querySelector('.react-flow__controls')],
      ['minimap', document.querySelector('.react-flow__minimap')],
    ].flatMap(([name, el]) => (el ? [{ name: name as string, r: (el as Element).getBoundingClientRect() }] : []));
    const inside = (x: number, y: number, r: DOMRect) => x >= r.left && x <= r.right && y >= r.top && y <= r.bottom;
    const out: string[] = [];
    for (const n of document.querySelectorAll<HTMLElement>('.react-flow__node')) {
      const r = n.getBoundingClientRect();
      for (const p of panels) if (r.right > p.r.left && r.left < p.r.right && r.bottom > p.r.top && r.top < p.r.bottom) out.push(`node ${n.dataset.id} -> ${p.name}`);
    }
    for (const edge of document.querySelectorAll<SVGGElement>('.react-flow__edge')) {
      const path = edge.querySelector<SVGPathElement>('path.react-flow__edge-path');
      const m = path?.getScreenCTM();
      if (!path || !m) continue;
      const total = path.getTotalLength();
      for (let l = 0; l <= total; l += 4) {
        const q = path.getPointAtLength(l);
        const pt = new DOMPoint(q.x, q.y).matrixTransform(m);
        for (const p of panels) if (inside(pt.x, pt.y, p.r)) out.push(`wire ${edge.dataset.id ?? edge.getAttribute('data-testid')} -> ${p.name}`);
      }
    }
    return [...new Set(out)];
  });
}

describe('fit and the canvas panels', () => {
  it('leaves every node and wire of each bundled example clear of the zoom controls and the minimap', async () => {
    const { page, errors } = await openPage(suite.browser, suite.app.url);
    const examples = readdirSync(join(ROOT, 'resources', 'examples')).filter((f) => f.endsWith('.pipeline.yaml')).map((f) => f.replace('.pipeline.yaml', ''));
    expect(examples.length).toBeGreaterThanOrEqual(3);
    const dir = join(suite.app.home, 'wires');
    mkdirSync(dir, { recursive: true });
    await page.getByTestId('project-button').click();
    await page.getByTestId('project-path-input').fill(join(dir, 'fit.pwproj'));
    await page.getByTestId('project-create').click();
    await expect.poll(() => page.getByTestId('project-button').textContent()).toContain('fit.pwproj');
    const found: string[] = [];
    for (const name of examples) {
      await page.getByTestId('project-button').click();
      await page.getByTestId('open-path-input').fill(join(suite.app.home, 'workspace', 'examples', `${name}.pipeline.yaml`));
      await page.getByTestId('open-path').click();
      await expect.poll(() => page.getByTestId('pipeline-name').getAttribute('title')).toBe(name);
      await waitForLayout(page);
      for (const [width, height] of [[1280, 720], [1440, 900]]) {
        await page.setViewportSize({ width, height });
        await page.getByTestId('fit-view').click();
        // every node of the file drawn, every wire drawn, then sampled
        await expect.poll(() => page.locator('.react-flow__node.react-flow__node-pw').count()).toBeGreaterThan(2);
        await expect.poll(() => page.locator('.react-flow__edge path.react-flow__edge-path').count()).toBeGreaterThan(1);
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
        found.push(...(await underPanels(page)).map((x) => `${name} at ${width}x${height}: ${x}`));
        if (name === 'breast-cancer' || name === 'weather-features') await screenshot(page, `fit-${name}-${width}`);
      }
    }
    expect(found).toEqual([]);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});

describe('wires in an auto-laid-out graph', () => {
  it('routes a folded linear pipeline between its bands, and the 201-node import without crossings', async () => {
    const { page, errors } = await openPage(suite.browser, suite.app.url);
    await open(page, 'long-line', pipeline('long-line', 1, 13));
    await page.waitForSelector('[data-testid="node-step13"]');
    await waitForLayout(page);
    await page.getByTestId('fit-view').click();
    // fitted: where the whole graph does not fit, its start shows below the zoom controls, not under them
    await expect.poll(() => nodesUnderPanels(page)).toEqual([]);
    // folded: the last node sits in a band below the first one
    await expect.poll(async () => (await page.getByTestId('node-step13').boundingBox())!.y - (await page.getByTestId('node-load').boundingBox())!.y).toBeGreaterThan(100);
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(13);
    await expect.poll(() => crossings(page)).toEqual([]);
    await screenshot(page, 'wires-folded-line');

    await open(page, 'import-201', pipeline('import-201', 20, 10));
    await expect.poll(() => page.locator('.react-flow__node').count()).toBeGreaterThan(20);
    await page.getByTestId('fit-view').click();
    await expect.poll(() => crossings(page)).toEqual([]);
    // the minimap (shown for a big graph) covers none of the fitted nodes
    const covered = () =>
      page.evaluate(() => {
        const map = document.querySelector('.react-flow__minimap')!.getBoundingClientRect();
        return [...document.querySelectorAll<HTMLElement>('.react-flow__node')].filter((n) => {
          const r = n.getBoundingClientRect();
          return r.right > map.left && r.left < map.right && r.bottom > map.top && r.top < map.bottom;
        }).map((n) => n.dataset.id);
      });
    await expect.poll(covered).toEqual([]);
    await screenshot(page, 'wires-201-nodes');
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
