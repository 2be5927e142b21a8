/**
 * Editing groups on the bundled example (issue 15's leftovers): copying a whole group's members
 * and pasting gives a new group around the copies, which one undo removes with them.
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
});
