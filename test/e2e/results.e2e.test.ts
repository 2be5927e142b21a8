/**
 * Issue 15, items 3, 6, 7 and 9 on the iris example: results that are honest about what they are.
 * A partial run keeps the other branches' results; an edit marks what it affects as stale; a
 * fresh output previews without a stale error; the log has a line for every node, cached or failed,
 * and a filter set on one run's failure is off for the next run.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { openPage, revealNode, screenshot } from './harness';
import { e2eSuite } from './suite';
import { openInOwnProject } from './long-run';

const suite = e2eSuite();

async function select(page: Page, id: string) {
  await revealNode(page, id);
  await page.getByTestId(`node-${id}`).locator('.pw-node-header').click();
  await expect.poll(() => page.getByTestId('node-id-input').inputValue()).toBe(id);
}

const status = (page: Page, id: string) => page.getByTestId(`node-status-${id}`).getAttribute('data-status', { timeout: 2000 }).catch(() => null);
const stale = (page: Page, id: string) => page.getByTestId(`node-status-${id}`).getAttribute('data-stale', { timeout: 2000 }).catch(() => null);
const runStatus = (page: Page) => page.getByTestId('run-status').textContent({ timeout: 2000 }).catch(() => null);

/** Starts a run with `button` and waits until that run (a new run id) has ended; returns its status. */
async function runAndWait(page: Page, button: string): Promise<string | null> {
  const before = await page.getByTestId('run-status').getAttribute('data-run-id', { timeout: 1000 }).catch(() => null);
  await page.getByTestId(button).click();
  await expect
    .poll(async () => {
      const el = page.getByTestId('run-status');
      const id = await el.getAttribute('data-run-id', { timeout: 1000 }).catch(() => null);
      return id !== null && id !== before && (await runStatus(page)) !== 'running';
    }, { timeout: 120_000 })
    .toBe(true);
  return runStatus(page);
}

async function setParam(page: Page, name: string, value: string) {
  await page.getByTestId(`param-${name}`).fill(value);
  await page.getByTestId(`param-${name}`).press('Tab');
}

/** A run's time in the log header: ms under a second, else seconds with one decimal, else minutes. */
const RUN_TIME = /· (\d+ ms|[1-9]\d*\.\d s|\d+ min \d+ s) ·/;

describe('results after edits and partial runs', () => {
  it('keeps, stales and logs results honestly', async () => {
    const { page, errors } = await openPage(suite.browser, suite.app.url);
    const iris = readFileSync(join(suite.app.home, 'workspace', 'examples', 'iris.pipeline.yaml'), 'utf8');
    await openInOwnProject(page, suite.app.home, 'results-iris', iris);
    expect(await runAndWait(page, 'run-all')).toBe('succeeded');
    await expect.poll(() => status(page, 'gate')).toBe('succeeded');

    // Item 7: a partial run (up to split) leaves train, evaluate and gate as they were
    await select(page, 'split');
    expect(await runAndWait(page, 'run-up-to')).toBe('succeeded');
    expect(await status(page, 'split')).toBe('cached');
    expect(await status(page, 'train')).not.toBeNull();
    expect(await status(page, 'evaluate')).not.toBeNull();
    await expect(page.getByTestId('node-metrics-evaluate').textContent()).resolves.toMatch(/accuracy/);
    await select(page, 'evaluate');
    await page.getByTestId('metrics-table').waitFor();
    // the node's type and its version on one line ("evaluate.classification" then "v1" alone below, before)
    await expect(
      page.locator('.pw-inspector-head code').evaluate((code) => {
        const range = document.createRange();
        range.setStartBefore(code);
        range.setEndAfter(code.nextSibling!);
        return new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.bottom))).size;
      }),
    ).resolves.toBe(1);
    await screenshot(page, 'results-partial-run-keeps-others');

    // Item 6: an edit stales the node and everything downstream, nothing upstream
    await select(page, 'train');
    await setParam(page, 'epochs', '150');
    await expect.poll(() => stale(page, 'train')).toBe('true');
    await expect.poll(() => stale(page, 'evaluate')).toBe('true');
    await expect.poll(() => stale(page, 'gate')).toBe('true');
    expect(await stale(page, 'scale')).toBeNull();
    await page.getByTestId('results-stale').waitFor();
    await screenshot(page, 'results-stale');
    // undoing the edit makes the results current again
    await page.getByTestId('undo').click();
    await expect.poll(() => stale(page, 'train')).toBeNull();

    // Item 3: a new output right after its node finished previews without a stale error
    await select(page, 'split');
    for (const fraction of ['0.25', '0.35', '0.4']) {
      await setParam(page, 'testFraction', fraction);
      await expect.poll(() => stale(page, 'split')).toBe('true');
      expect(await runAndWait(page, 'run-up-to')).toBe('succeeded');
      expect(await status(page, 'split')).toBe('succeeded');
      await expect.poll(() => stale(page, 'split')).toBeNull();
      await expect.poll(() => page.getByTestId('table-preview').textContent({ timeout: 2000 }).catch(() => ''), { timeout: 20_000 }).toMatch(/\d+ rows/);
      expect(await page.getByTestId('output-error').count()).toBe(0);
    }
    await screenshot(page, 'results-fresh-preview');

    // Item 9: a fully cached run has a log line per node
    expect(await runAndWait(page, 'run-all')).toBe('succeeded');
    expect(await runAndWait(page, 'run-all')).toBe('succeeded');
    expect(await status(page, 'train')).toBe('cached');
    if (!(await page.getByTestId('log-panel').isVisible())) await page.getByTestId('toggle-log').click();
    const log = page.getByTestId('log-panel');
    await expect.poll(() => log.textContent()).toMatch(/gate\s*cached/);
    await expect(log.textContent()).resolves.not.toMatch(/No log lines yet/);
    // The run's time reads as the node times do: "96 ms" under a second, never "0.1 s" (nor "0.0 s")
    await expect.poll(() => log.locator('header').textContent()).toMatch(RUN_TIME);

    // ... a failed node's "log" shows why it failed
    await select(page, 'load');
    await setParam(page, 'path', '../data/no-such-file.csv');
    expect(await runAndWait(page, 'run-all')).toBe('failed');
    expect(await status(page, 'load')).toBe('failed');
    await page.getByTestId('node-error-load').click();
    await expect.poll(() => log.locator('header').textContent()).toMatch(/Log · load/);
    await expect.poll(() => log.locator('.lvl-error').textContent({ timeout: 2000 }).catch(() => '')).toMatch(/no-such-file/);
    await expect(log.locator('header').textContent()).resolves.toMatch(RUN_TIME);
    await screenshot(page, 'results-failed-log');
    // ... and the next run shows the whole log again
    await page.getByTestId('undo').click();
    expect(await runAndWait(page, 'run-all')).toBe('succeeded');
    await expect.poll(() => log.locator('header').textContent()).not.toMatch(/·\s*load/);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
