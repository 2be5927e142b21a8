/**
 * Issue 10, item 5: the editor validates and serialises itself (renderer/src/local-validate.ts).
 * A burst of typing in the YAML panel and in the inspector sends main no validate, serialize or
 * format request: only the debounced save (and the column schema, which needs the data files).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openExampleInOwnProject, openPage, screenshot, selectNode, yamlCursorAtEndOf } from './harness';
import { e2eSuite } from './suite';

const suite = e2eSuite();

/** Every request method the page sends main over its WebSocket, in order. */
function recordRequests(page: Page): string[] {
  const sent: string[] = [];
  page.on('websocket', (ws) =>
    ws.on('framesent', (f) => {
      try {
        const msg = JSON.parse(String(f.payload)) as { t?: string; method?: string };
        if (msg.t === 'req' && msg.method) sent.push(msg.method);
      } catch {
        // not a request of the API
      }
    }),
  );
  return sent;
}

const count = (sent: string[], method: string) => sent.filter((m) => m === method).length;

describe('validation in the editor', () => {
  it('types bursts in the YAML panel and the inspector without a validate or serialize round trip', async () => {
    let sent: string[] = [];
    const { page, errors } = await openPage(suite.browser, suite.app.url, (p) => {
      sent = recordRequests(p);
    });
    await openExampleInOwnProject(page, suite.app.home, join(suite.app.home, 'local-validate', 'local.pwproj'));
    await expect.poll(() => page.getByTestId('save-state').textContent()).toBe('saved');
    // The socket is the page's one API connection: it has carried the opening already.
    expect(sent).toContain('file.read');
    sent.length = 0;

    // YAML: a burst that makes an unknown type; its problem is found here and drawn.
    await page.getByTestId('toggle-yaml').click();
    await yamlCursorAtEndOf(page, 'type: features.split');
    await page.keyboard.type('_nope');
    await page.locator('[data-testid="yaml-view"] .squiggly-error').first().waitFor();
    await expect.poll(() => page.getByTestId('yaml-state').textContent()).toMatch(/1 problem/);
    await expect.poll(() => page.getByTestId('save-state').textContent()).toBe('saved');
    await screenshot(page, 'local-validate-yaml');
    // and back, in a second burst
    await yamlCursorAtEndOf(page, 'type: features.split_nope');
    for (let i = 0; i < 5; i++) await page.keyboard.press('Backspace');
    await expect.poll(() => page.getByTestId('yaml-state').textContent()).toBe('in sync');
    await expect.poll(() => page.getByTestId('save-state').textContent()).toBe('saved');
    const afterYaml = [...sent];

    // Inspector: a burst of digits into one param, then a value out of bounds, shown inline.
    await page.getByTestId('toggle-yaml').click();
    await selectNode(page, 'split');
    await page.getByTestId('param-seed').fill('');
    await page.getByTestId('param-seed').pressSequentially('123456');
    await expect.poll(() => page.getByTestId('save-state').textContent()).toBe('saved');
    await page.getByTestId('param-testFraction').fill('');
    await page.getByTestId('param-testFraction').pressSequentially('1.5');
    await expect.poll(() => page.getByTestId('param-testFraction-error').first().textContent()).toMatch(/between 0 and 1/);
    await expect.poll(() => page.getByTestId('save-state').textContent()).toBe('saved');
    await screenshot(page, 'local-validate-inspector');

    for (const m of ['pipeline.validate', 'pipeline.serialize', 'pipeline.format']) expect(count(sent, m), `${m} in ${sent.join(', ')}`).toBe(0);
    // One save per pause in the typing (autosave waits for one), never one per key: 2 + 6 + 3
    // edits here, in 4 bursts.
    expect(count(afterYaml, 'pipeline.save')).toBeGreaterThanOrEqual(1);
    expect(count(sent, 'pipeline.save')).toBeLessThanOrEqual(6);
    console.log(`requests while typing 4 bursts (16 keys): ${JSON.stringify(Object.fromEntries([...new Set(sent)].map((m) => [m, count(sent, m)])))}`);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
