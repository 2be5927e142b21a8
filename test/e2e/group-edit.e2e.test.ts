/**
 * Editing groups on the bundled example (issue 15's leftovers): copying a whole group's members
 * and pasting gives a new group around the copies, which one undo removes with them; a collapsed
 * group's node is box-selected and deleted as one (its nodes and their wires go in one undo step,
 * and undo brings it back collapsed); a group grouped with more nodes is nested in the new group.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { boxSelect, openExampleInOwnProject, openPage, screenshot } from './harness';
import { e2eSuite } from './suite';

const suite = e2eSuite();

const nodeIds = (page: Page) => page.locator('.react-flow__node[data-id]').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')!).sort());

/** Selects `a`..`b` with a box and groups them (Ctrl+G) under `title`; returns the group's frame. */
async function groupBox(page: Page, a: string, b: string, title: string) {
  await boxSelect(page, a, b);
  await expect.poll(() => page.locator('.react-flow__node .pw-node.selected').count()).toBe(2);
  await page.keyboard.press('Control+g');
  const frame = page.getByTestId('group-frame-g1');
  await frame.waitFor();
  await page.getByTestId('group-title-g1').dblclick();
  await page.getByTestId('group-title-input').fill(title);
  await page.getByTestId('group-title-input').press('Enter');
  await expect.poll(() => page.getByTestId('group-title-g1').textContent()).toBe(title);
  return frame;
}

describe('editing groups', () => {
  it('paste recreates a copied group around the copies; one undo removes both', async () => {
    const { page, errors } = await openPage(suite.browser, suite.app.url);
    await openExampleInOwnProject(page, suite.app.home, join(suite.app.home, 'group-edit', 'paste.pwproj'));
    const frame = await groupBox(page, 'split', 'scale', 'Prepare');
    await page.getByTestId('group-color-g1').click();
    const color = await frame.evaluate((el) => getComputedStyle(el).borderColor);
    const before = await nodeIds(page);

    // the members are still selected: copy, paste
    await page.keyboard.press('Control+c');
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toMatch(/x-groups:\n\s+g1:\n\s+title: Prepare\n\s+nodes: \[split, scale\]/);
    await page.keyboard.press('Control+v');
    const pasted = page.getByTestId('group-frame-g2');
    await pasted.waitFor();
    await expect.poll(() => nodeIds(page)).toEqual([...before, 'group:g2', 'scale2', 'split2'].sort());
    expect(await page.getByTestId('group-title-g2').textContent()).toBe('Prepare');
    expect(await pasted.evaluate((el) => getComputedStyle(el).borderColor)).toBe(color);
    expect(await pasted.textContent()).toContain('2 nodes');
    // the new frame is around the copies: offset from the first as they are, the same size
    const [a, b] = [(await frame.boundingBox())!, (await pasted.boundingBox())!];
    const [s1, s2] = [(await page.getByTestId('node-split').boundingBox())!, (await page.getByTestId('node-split2').boundingBox())!];
    expect(s2.x - s1.x).toBeGreaterThan(10);
    expect(b.x - a.x).toBeCloseTo(s2.x - s1.x, 0);
    expect(b.y - a.y).toBeCloseTo(s2.y - s1.y, 0);
    expect(b.width).toBeCloseTo(a.width, 0);
    expect(b.height).toBeCloseTo(a.height, 0);
    // the pasted copies are the selection
    await expect.poll(() => page.locator('.react-flow__node.selected').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')).sort())).toEqual(['scale2', 'split2']);
    await screenshot(page, 'group-pasted');

    // one undo: the copies and their group go; the first group stays
    await page.keyboard.press('Control+z');
    await pasted.waitFor({ state: 'detached' });
    await expect.poll(() => nodeIds(page)).toEqual(before);
    expect(await page.getByTestId('group-title-g1').textContent()).toBe('Prepare');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('a collapsed group is box-selected and deleted as one; undo restores it collapsed, with its wires', async () => {
    const { page, errors } = await openPage(suite.browser, suite.app.url);
    await openExampleInOwnProject(page, suite.app.home, join(suite.app.home, 'group-edit', 'delete.pwproj'));
    await groupBox(page, 'split', 'scale', 'Prepare');
    const at = (await page.getByTestId('node-split').boundingBox())!;
    await page.getByTestId('group-collapse-g1').click();
    const node = page.getByTestId('group-node-g1');
    await node.waitFor();
    const wire = (id: string) => page.locator(`[data-testid="rf__edge-${id}"]`);
    // the wires into and out of the group end at its node
    for (const id of ['load.table->split.table', 'scale.train->train.train', 'scale.test->evaluate.test']) await wire(id).waitFor({ state: 'attached' });

    await boxSelect(page, node, node);
    await expect.poll(() => page.getByTestId('selection-summary').textContent()).toBe('Group "Prepare" (collapsed): 2 nodes selected');
    await expect.poll(() => node.getAttribute('class')).toMatch(/\bselected\b/);
    expect(await page.getByTestId('collapse-selection').textContent()).toBe('Expand group');
    await screenshot(page, 'group-collapsed-selected');

    await page.keyboard.press('Delete');
    await node.waitFor({ state: 'detached' });
    for (const id of ['load.table->split.table', 'scale.train->train.train', 'scale.test->evaluate.test']) await wire(id).waitFor({ state: 'detached' });
    // gone from the document, not hidden: select all counts the five nodes left
    await page.getByTestId('canvas').click({ position: { x: 60, y: 60 } });
    await page.keyboard.press('Control+a');
    await expect.poll(() => page.getByTestId('selection-summary').textContent()).toBe('5 nodes selected');
    await page.getByTestId('canvas').click({ position: { x: 60, y: 60 } });
    // the nodes that read the group's outputs now miss their inputs
    await expect.poll(() => page.getByTestId('pipeline-issue').allTextContents()).toEqual([
      "nodes.train.inputs.train: required input 'train' (table) is not connected",
      "nodes.evaluate.inputs.test: required input 'test' (table) is not connected",
    ]);
    await screenshot(page, 'group-deleted');

    // one undo: the group is back, still collapsed, with its wires; expanded, its nodes are where they were
    await page.keyboard.press('Control+z');
    await node.waitFor();
    expect(await page.getByTestId('node-split').count()).toBe(0);
    for (const id of ['load.table->split.table', 'scale.train->train.train', 'scale.test->evaluate.test']) await wire(id).waitFor({ state: 'attached' });
    await expect.poll(() => page.getByTestId('pipeline-issue').count()).toBe(0);
    await screenshot(page, 'group-delete-undone');
    await page.getByTestId('group-expand-g1').click();
    await page.getByTestId('node-split').waitFor();
    expect(await page.getByTestId('node-split').boundingBox()).toEqual(at);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('nests a group in a group: the outer frame holds the inner one, and collapses with it as one node', async () => {
    const { page, errors } = await openPage(suite.browser, suite.app.url);
    await openExampleInOwnProject(page, suite.app.home, join(suite.app.home, 'group-edit', 'nested.pwproj'));
    const inner = await groupBox(page, 'split', 'scale', 'Prepare');
    await boxSelect(page, 'load', 'scale');
    await expect.poll(() => page.locator('.react-flow__node .pw-node.selected').count()).toBe(3);
    await page.keyboard.press('Control+g');
    const outer = page.getByTestId('group-frame-g2');
    await outer.waitFor();
    expect(await outer.textContent()).toContain('3 nodes');
    const [o, i] = [(await outer.boundingBox())!, (await inner.boundingBox())!];
    expect(i.x).toBeGreaterThan(o.x);
    expect(i.y).toBeGreaterThan(o.y);
    expect(i.x + i.width).toBeLessThan(o.x + o.width);
    expect(i.y + i.height).toBeLessThan(o.y + o.height);
    // the inner frame's title bar still takes the pointer: a rename reaches it
    await page.getByTestId('group-title-g1').dblclick();
    await page.getByTestId('group-title-input').press('Escape');
    await screenshot(page, 'group-nested');

    // collapsing the outer group: one node for the three, the inner frame hidden
    await page.getByTestId('group-collapse-g2').click();
    const node = page.getByTestId('group-node-g2');
    await node.waitFor();
    await expect.poll(() => page.getByTestId('group-frame-g1').count()).toBe(0);
    await expect.poll(() => page.getByTestId('node-load').count()).toBe(0);
    expect(await node.textContent()).toContain('3 nodes');
    await page.locator('[data-testid="rf__edge-scale.train->train.train"]').waitFor({ state: 'attached' });
    await screenshot(page, 'group-nested-collapsed');
    // expanded again, the inner group is where it was; undo (expand, collapse, nest) takes the nesting back, leaving the inner group
    await page.getByTestId('group-expand-g2').click();
    await inner.waitFor();
    expect(await inner.boundingBox()).toEqual(i);
    await page.keyboard.press('Control+z');
    await node.waitFor();
    await page.keyboard.press('Control+z');
    await outer.waitFor();
    await page.keyboard.press('Control+z');
    await outer.waitFor({ state: 'detached' });
    expect(await page.getByTestId('group-title-g1').textContent()).toBe('Prepare');
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
