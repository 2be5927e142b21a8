/**
 * Issue 14, item 5, in the Versions view: rename a pipeline and save the open one under a new
 * name, both reachable afterwards with the old name's versions intact; and the warning before
 * anything replaces work that could not be saved (another process holds the project's lock).
 * Its own server: the lock wait is shortened (PIPEWRIGHT_LOCK_WAIT_MS) so a blocked save fails in
 * seconds, not 30.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openExampleInOwnProject, openPage, screenshot, startServer, type AppServer } from './harness';

let app: AppServer;
let chrome: Awaited<ReturnType<typeof launchBrowser>>;
let browser: Browser;
beforeAll(async () => {
  process.env.PIPEWRIGHT_LOCK_WAIT_MS = '1500';
  app = await startServer();
  chrome = await launchBrowser();
  browser = chrome.browser;
});
afterAll(async () => {
  await chrome?.close();
  await app?.stop();
});

async function setL2(page: Page, value: string): Promise<void> {
  await page.getByTestId('page-tab-editor').click();
  await page.getByTestId('node-train').locator('.pw-node-header').click();
  await expect.poll(() => page.getByTestId('node-id-input').inputValue()).toBe('train');
  await page.getByTestId('param-l2').fill(value);
  await page.getByTestId('param-l2').press('Tab');
}

/** The Versions view's pipeline list: name (versions) per option. */
const listed = (page: Page) => page.getByTestId('versions-pipeline').locator('option').allTextContents();
const versionIds = (page: Page) => page.locator('tr[data-testid^="version-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')!.replace('version-', '')));

describe('pipeline versions: rename, save as, unsaved work (issue 14)', () => {
  it('renames, saves as a new name, keeps both reachable, and warns before replacing unsaved work', async () => {
    const { page, errors } = await openPage(browser, app.url);
    const project = join(app.home, 'versions', 'versions.pwproj');
    await openExampleInOwnProject(page, app.home, project);
    await setL2(page, '0.5');
    await expect.poll(() => page.getByTestId('save-state').textContent()).toBe('saved');

    await setL2(page, '0.25');
    await expect.poll(() => page.getByTestId('save-state').textContent()).toBe('saved');

    // The versions of the example: at least the two l2 edits
    await page.getByTestId('page-tab-runs').click();
    await page.getByTestId('history-tab-versions').click();
    await page.getByTestId('versions-table').waitFor();
    const before = await versionIds(page);
    expect(before.length).toBeGreaterThanOrEqual(2);
    const n = before.length;
    await expect.poll(() => listed(page)).toEqual([`breast-cancer (${n})`]);
    // a name that is not one: refused with the reason, nothing renamed
    await page.getByTestId('versions-name').fill('Breast Cancer');
    await expect(page.locator('.pw-versions .pw-error').textContent()).resolves.toMatch(/lowercase/);
    await expect(page.getByTestId('versions-rename').isDisabled()).resolves.toBe(true);
    await screenshot(page, 'versions-name-refused');

    // Rename: the same versions (and runs) under the new name; the open document follows it
    await page.getByTestId('versions-name').fill('cancer-screen');
    await page.getByTestId('versions-rename').click();
    // (the open document's name changed with it: that is one more version, on top of the old ones)
    await expect.poll(() => listed(page)).toEqual([`cancer-screen (${n + 1})`]);
    await expect.poll(async () => (await versionIds(page)).slice(1)).toEqual(before);
    const renamed = await versionIds(page);
    await expect.poll(() => page.getByTestId('pipeline-name').textContent()).toBe('cancer-screen');
    await screenshot(page, 'versions-renamed');

    // Save as: the open pipeline becomes a second one; the first keeps its versions
    await page.getByTestId('versions-name').fill('cancer-screen-l1');
    await page.getByTestId('versions-save-as').click();
    await expect.poll(() => listed(page)).toEqual([`cancer-screen (${n + 1})`, 'cancer-screen-l1 (1)']);
    await expect.poll(() => page.getByTestId('pipeline-name').textContent()).toBe('cancer-screen-l1');
    await expect.poll(() => page.getByTestId('versions-pipeline').inputValue()).toBe('cancer-screen-l1');
    await screenshot(page, 'versions-saved-as');
    await page.getByTestId('versions-pipeline').selectOption('cancer-screen');
    await expect.poll(() => versionIds(page)).toEqual(renamed);

    // Both are reachable: open the renamed one's newest version, then the copy again
    await page.getByTestId(`version-open-${renamed[0]}`).click();
    await expect.poll(() => page.getByTestId('pipeline-name').textContent()).toBe('cancer-screen');
    await page.getByTestId('node-train').locator('.pw-node-header').click();
    await expect.poll(() => page.getByTestId('param-l2').inputValue()).toBe('0.25');
    await page.getByTestId('page-tab-runs').click();
    await page.getByTestId('versions-pipeline').selectOption('cancer-screen-l1');
    await page.locator('tr[data-testid^="version-"] button', { hasText: 'Open' }).first().click();
    await expect.poll(() => page.getByTestId('pipeline-name').textContent()).toBe('cancer-screen-l1');

    // Unsaved work: another process holds the project's write lock, so the edit cannot be saved
    const other = new Database(project);
    other.exec('BEGIN IMMEDIATE');
    try {
      await setL2(page, '3');
      await expect.poll(() => page.getByTestId('save-state').textContent(), { timeout: 30_000 }).toBe('not saved');
      await screenshot(page, 'versions-unsaved-locked');
      // New would replace it: the app asks first; "Cancel" keeps the edit on the canvas
      let asked = '';
      page.once('dialog', (d) => {
        asked = d.message();
        void d.dismiss();
      });
      await page.getByTestId('new-pipeline').click();
      // The popover the user opened is on top of the autosave notice, not under it
      await page.locator('.pw-notice').first().waitFor();
      for (const el of [page.getByTestId('new-name-input'), page.locator('label[for="pw-new-name"]')]) {
        await expect(el.evaluate((e) => { const r = e.getBoundingClientRect(); const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2); return !!top && (top === e || e.contains(top)); })).resolves.toBe(true);
      }
      await page.getByTestId('new-name-input').fill('scratch');
      await page.getByTestId('new-create').click();
      await expect.poll(() => asked, { timeout: 30_000 }).toMatch(/"cancer-screen-l1" has changes that are not saved in a project\. Discard them\?/);
      await expect.poll(() => page.getByTestId('pipeline-name').textContent()).toBe('cancer-screen-l1');
      // (the train node is still the one selected: the inspector shows the kept edit)
      await expect.poll(() => page.getByTestId('param-l2').inputValue()).toBe('3');
      await screenshot(page, 'versions-unsaved-kept');
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    // The lock gone, Save stores the edit as a version of the copy, not of the renamed one
    await page.getByTestId('save').click();
    await expect.poll(() => page.getByTestId('save-state').textContent()).toBe('saved');
    await page.getByTestId('page-tab-runs').click();
    await expect.poll(() => listed(page)).toEqual([`cancer-screen (${n + 1})`, 'cancer-screen-l1 (2)']);
    expect(errors).toEqual([]);
  });
});
