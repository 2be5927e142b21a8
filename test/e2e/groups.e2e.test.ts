/**
 * Groups on a big graph (issue 15): a 201-node pipeline opened by path; 50 nodes selected with a
 * selection box and grouped (Ctrl+G), renamed, moved by the frame, collapsed into one node whose
 * wires stay visible and do not cross it; the group and its collapsed state survive a reload; a
 * run shows its status on the group nodes, a failure inside one is shown on it and one click
 * reveals the failing node; expanding restores every member's position; undo covers it all.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { boxSelect, openPage, RUN_MS, screenshot } from './harness';
import { e2eSuite } from './suite';
import { bigGraphYaml } from './big-graph';
import { openInOwnProject } from './long-run';

const suite = e2eSuite();
const NAME = 'big-graph';

async function openBig(page: Page, home: string): Promise<string> {
  const file = await openInOwnProject(page, home, NAME, bigGraphYaml({ name: NAME, csv: '../data/iris.csv', failing: 'c3n3' }), 'c0n0');
  // the whole graph in view (every node drawn)
  await page.getByTestId('fit-view').click();
  await page.getByTestId('node-c39n4').waitFor();
  return file;
}

/** Flow positions of nodes, from React Flow's own transform of each node. */
function flowPositions(page: Page, ids: string[]): Promise<Record<string, [number, number]>> {
  return page.evaluate((ids) => {
    const out: Record<string, [number, number]> = {};
    for (const id of ids) {
      const el = document.querySelector<HTMLElement>(`.react-flow__node[data-id="${id}"]`);
      const m = el && /translate\(([-\d.]+)px, ?([-\d.]+)px\)/.exec(el.style.transform);
      if (m) out[id] = [Number(m[1]), Number(m[2])];
    }
    return out;
  }, ids);
}

const zoomOf = (page: Page) => page.evaluate(() => Number(/scale\(([\d.]+)\)/.exec(document.querySelector<HTMLElement>('.react-flow__viewport')!.style.transform)?.[1] ?? 'NaN'));

/** Wheels the canvas in to about 1:1, the pointer on `el`'s top left corner (which stays where it is). */
async function zoomInAt(page: Page, el: Locator): Promise<void> {
  const b = (await el.boundingBox())!;
  await page.mouse.move(b.x + 4, b.y + 4);
  for (let i = 0; i < 20 && (await zoomOf(page)) < 0.95; i++) await page.mouse.wheel(0, -200);
  await expect.poll(() => zoomOf(page)).toBeGreaterThanOrEqual(0.95);
}

/**
 * For each wire drawn to or from `flowId`: the points along it that fall inside the node's box,
 * more than 12 px from its left and right edges (where the handles are). None means no wire
 * crosses the node.
 */
function wiresThrough(page: Page, flowId: string): Promise<{ wires: number; inside: string[] }> {
  return page.evaluate((flowId) => {
    const node = document.querySelector<HTMLElement>(`.react-flow__node[data-id="${flowId}"]`)!.getBoundingClientRect();
    const inside: string[] = [];
    let wires = 0;
    for (const g of document.querySelectorAll<SVGGElement>('.react-flow__edge')) {
      const id = g.getAttribute('data-id') ?? g.getAttribute('data-testid') ?? '';
      const path = g.querySelector<SVGPathElement>('path.react-flow__edge-path');
      if (!path) continue;
      const ctm = path.getScreenCTM()!;
      const len = path.getTotalLength();
      let touches = false;
      let hit = false;
      for (let t = 0; t <= 40; t++) {
        const p = path.getPointAtLength((len * t) / 40);
        const x = ctm.a * p.x + ctm.c * p.y + ctm.e;
        const y = ctm.b * p.x + ctm.d * p.y + ctm.f;
        const near = x >= node.left - 14 && x <= node.right + 14 && y >= node.top && y <= node.bottom;
        if (near) touches = true;
        if (x > node.left + 12 && x < node.right - 12 && y > node.top && y < node.bottom) hit = true;
      }
      if (touches) wires++;
      if (hit) inside.push(id);
    }
    return { wires, inside };
  }, flowId);
}

describe('groups on a 201-node graph', () => {
  it('groups 50 nodes, collapses them, keeps it over a reload, runs, reveals the failure and restores positions', async () => {
    const { page, errors } = await openPage(suite.browser, suite.app.url);
    const file = await openBig(page, suite.app.home);
    const probe = ['c0n0', 'c3n3', 'c9n4'];
    const before = await flowPositions(page, probe);
    expect(Object.keys(before)).toEqual(probe);

    // 50 nodes (chains 0-9) in one selection box, then Ctrl+G
    await boxSelect(page, 'c0n0', 'c9n4');
    await expect.poll(() => page.locator('.react-flow__node .pw-node.selected').count()).toBe(50);
    await expect.poll(() => page.getByTestId('group-selection').textContent()).toBe('Group 50 nodes');
    await page.keyboard.press('Control+g');
    const frame = page.getByTestId('group-frame-g1');
    await expect.poll(() => frame.textContent()).toContain('50 nodes');

    // rename it in place
    await page.getByTestId('group-title-g1').dblclick();
    await page.getByTestId('group-title-input').fill('Feature chains');
    await page.getByTestId('group-title-input').press('Enter');
    await expect.poll(() => page.getByTestId('group-title-g1').textContent()).toBe('Feature chains');
    await expect.poll(() => page.getByTestId('group-selection').count()).toBe(0);
    await screenshot(page, 'groups-frame');
    await zoomInAt(page, frame);
    await screenshot(page, 'groups-frame-readable');

    // dragging the frame's title moves all 50 nodes; one undo puts them back (probes near the view: a big graph draws only those)
    const near = ['c0n0', 'c3n3'];
    const zoom = await zoomOf(page);
    const t = (await page.locator('[data-testid="group-frame-g1"] .pw-frame-title').boundingBox())!;
    await page.mouse.move(t.x + 30, t.y + t.height / 2);
    await page.mouse.down();
    await page.mouse.move(t.x + 60, t.y + t.height / 2 + 20, { steps: 5 });
    await page.mouse.move(t.x + 90, t.y + t.height / 2 + 40, { steps: 5 });
    await page.mouse.up();
    const dragged = await flowPositions(page, near);
    const [dx, dy] = [dragged.c0n0[0] - before.c0n0[0], dragged.c0n0[1] - before.c0n0[1]];
    // (React Flow starts a drag a few pixels in)
    expect(dx).toBeGreaterThan((0.7 * 60) / zoom);
    expect(dy).toBeGreaterThan((0.7 * 40) / zoom);
    for (const id of near) expect([dragged[id][0] - before[id][0], dragged[id][1] - before[id][1]]).toEqual([dx, dy]);
    // undo puts every member back and keeps the step before (the rename). (A drag is one step when
    // its frames come within a second of each other; on a loaded machine the first may be its own.)
    const atStart = JSON.stringify({ c0n0: before.c0n0, c3n3: before.c3n3 });
    for (let i = 0; i < 3 && JSON.stringify(await flowPositions(page, near)) !== atStart; i++) {
      const was = JSON.stringify(await flowPositions(page, near));
      await page.keyboard.press('Control+z');
      await expect.poll(async () => JSON.stringify(await flowPositions(page, near))).not.toBe(was);
    }
    expect(JSON.stringify(await flowPositions(page, near))).toBe(atStart);
    await expect.poll(() => page.getByTestId('group-title-g1').textContent()).toBe('Feature chains');

    // collapse: one compact node with a handle per wire in (10) and per member output out (10)
    await page.getByTestId('group-collapse-g1').click();
    const node = page.getByTestId('group-node-g1');
    await node.waitFor();
    await expect.poll(() => page.getByTestId('node-c0n0').count()).toBe(0);
    await expect.poll(() => node.locator('.react-flow__handle').count()).toBe(20);
    expect(await node.textContent()).toContain('50 nodes');
    await expect.poll(() => page.locator('.react-flow__edge[data-id^="load.table->"]').count()).toBeGreaterThanOrEqual(10);
    await page.getByTestId('fit-view').click();
    await page.getByTestId('node-c39n4').waitFor();
    await screenshot(page, 'groups-collapsed');
    // undo and redo cover collapsing
    await page.keyboard.press('Control+z');
    await page.getByTestId('node-c0n0').waitFor();
    await expect.poll(() => node.count()).toBe(0);
    await page.keyboard.press('Control+Shift+z');
    await node.waitFor();
    // a double-click opens it; undo closes it again
    await node.locator('.pw-node-type').dblclick();
    await page.getByTestId('node-c0n0').waitFor();
    await expect.poll(() => node.count()).toBe(0);
    await page.keyboard.press('Control+z');
    await node.waitFor();

    // read at a readable zoom: wheel in over the group node
    await zoomInAt(page, node);
    const through = await wiresThrough(page, 'group:g1');
    // the ten wires in and the ten out are drawn (the nodes at their other ends are kept, though far away)
    expect(through.wires).toBeGreaterThanOrEqual(20);
    expect(through.inside).toEqual([]);
    await screenshot(page, 'groups-collapsed-readable');

    // the file keeps the group under x-groups, saved as a version; it survives a reload
    await expect.poll(() => page.getByTestId('save-state').textContent()).toBe('saved');
    await page.reload();
    await page.waitForSelector('[data-testid="app"][data-ready="true"]');
    await node.waitFor();
    expect(await node.locator('.pw-node-id').textContent()).toBe('Feature chains');
    expect(await page.getByTestId('node-c0n0').count()).toBe(0);
    // (the file on disk is the user's: versions went to the project)
    expect(readFileSync(file, 'utf8')).not.toContain('x-groups');

    // a second group, collapsed from the context menu: chains 20-29, which do not meet the failing node
    await page.getByTestId('fit-view').click();
    await page.getByTestId('node-c39n4').waitFor();
    await boxSelect(page, 'c20n0', 'c29n4');
    await expect.poll(() => page.locator('.react-flow__node .pw-node.selected').count()).toBe(50);
    // (right-click on the selection's box)
    await page.locator('.react-flow__nodesselection-rect').click({ button: 'right' });
    await page.getByTestId('menu-group').click();
    await page.getByTestId('group-frame-g2').waitFor();
    await page.locator('.react-flow__nodesselection-rect').click({ button: 'right' });
    await page.getByTestId('menu-collapse').click();
    await page.getByTestId('group-node-g2').waitFor();

    // run: c3n3 fails inside the first group; the second is done
    await page.getByTestId('run-all').click();
    await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: RUN_MS }).toBe('failed');
    await expect.poll(() => page.getByTestId('group-status-g1').getAttribute('data-status')).toBe('failed');
    await expect.poll(() => page.getByTestId('group-status-g2').getAttribute('data-status')).toBe('done');
    expect(await page.getByTestId('group-status-g2').textContent()).toBe('done · 50 of 50');
    await expect.poll(() => page.getByTestId('group-status-g1').locator('.pw-status-label').textContent()).toBe('failed · 1 failed, 48 done, 1 skipped');
    await expect.poll(() => page.getByTestId('group-failed-g1').textContent()).toContain('c3n3 failed');
    await screenshot(page, 'groups-run-failed');
    await zoomInAt(page, page.getByTestId('group-node-g1'));
    await screenshot(page, 'groups-run-failed-readable');

    // a second run reuses the second group's results
    await page.getByTestId('run-all').click();
    await expect.poll(() => page.getByTestId('group-status-g2').getAttribute('data-status'), { timeout: RUN_MS }).toBe('cached');
    await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: RUN_MS }).toBe('failed');

    // one click on the failure opens the group and shows the failing node, selected, with its error
    await page.getByTestId('group-failed-g1').click();
    await page.getByTestId('node-c3n3').waitFor();
    await expect.poll(() => page.getByTestId('node-id-input').inputValue()).toBe('c3n3');
    await expect.poll(() => page.getByTestId('node-status-c3n3').getAttribute('data-status')).toBe('failed');
    // its output was not made: the inspector says so, not "0 columns" of what the graph infers
    await expect.poll(() => page.getByTestId('schema-port-table').textContent()).toBe('table: not produced (the node failed)');
    const shown = (await page.getByTestId('node-c3n3').boundingBox())!;
    const canvas = (await page.getByTestId('canvas').boundingBox())!;
    expect(shown.x).toBeGreaterThan(canvas.x);
    expect(shown.x + shown.width).toBeLessThan(canvas.x + canvas.width);
    await screenshot(page, 'groups-failure-revealed');

    // expanded: every member where it was before grouping (all drawn again once the whole graph is in view)
    await page.getByTestId('fit-view').click();
    await page.getByTestId('node-c9n4').waitFor();
    expect(await flowPositions(page, probe)).toEqual(before);
    await screenshot(page, 'groups-expanded');

    // auto-layout places each group as one block: its members keep their arrangement
    await page.getByTestId('auto-layout').click();
    await expect.poll(async () => JSON.stringify(await flowPositions(page, ['load']))).not.toBe(JSON.stringify({ load: [0, 600] }));
    await page.getByTestId('fit-view').click();
    await page.getByTestId('node-c9n4').waitFor();
    const laid = await flowPositions(page, probe);
    for (const id of probe) expect([laid[id][0] - laid.c0n0[0], laid[id][1] - laid.c0n0[1]]).toEqual([before[id][0] - before.c0n0[0], before[id][1] - before.c0n0[1]]);
    await screenshot(page, 'groups-auto-layout');
    expect(errors).toEqual([]);
  });
});
