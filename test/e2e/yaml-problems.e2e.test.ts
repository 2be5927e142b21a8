/**
 * Issue 15, item 5: a YAML problem can be read where it is drawn. Hovering the squiggle shows the
 * message, F8 opens the marker widget on it, and the problem count is not drawn as "in sync".
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openExampleInOwnProject, openPage, screenshot, yamlCursorAtEndOf } from './harness';
import { e2eSuite } from './suite';

const suite = e2eSuite();

describe('YAML problems', () => {
  it('shows a problem on hover and with F8', async () => {
    const { page, errors } = await openPage(suite.browser, suite.app.url);
    // Its own project with the example opened by path: other test files share this app, and one of
    // them leaves a new, empty pipeline open.
    await openExampleInOwnProject(page, suite.app.home, join(suite.app.home, 'yaml-problems', 'yaml.pwproj'));
    await page.getByTestId('toggle-yaml').click();
    const line = page.locator('[data-testid="yaml-view"] .view-line', { hasText: 'type: features.split' });
    await yamlCursorAtEndOf(page, 'type: features.split');
    await page.keyboard.type('_nope');
    const squiggle = page.locator('[data-testid="yaml-view"] .squiggly-error').first();
    await squiggle.waitFor();
    // the count is an error colour, not the green of "in sync"
    await expect.poll(() => page.getByTestId('yaml-state').getAttribute('class')).toMatch(/problems|invalid/);

    // the text under the squiggle (the squiggle layer itself lies under the text)
    await line.locator('span', { hasText: 'split_nope' }).last().hover();
    const hover = page.locator('[data-testid="yaml-view"] .monaco-hover:not(.hidden)').first();
    await expect.poll(() => hover.textContent({ timeout: 1000 }).catch(() => '')).toMatch(/features\.split_nope/);
    // the whole hover is in sight: its right end is not cut off by the edge of the YAML panel
    await expect(
      hover.evaluate((h) => {
        const r = h.getBoundingClientRect();
        const inside = (x: number, y: number) => { const top = document.elementFromPoint(x, y); return !!top && h.contains(top); };
        return r.right <= window.innerWidth && inside(r.left + 4, r.top + 6) && inside(r.right - 4, r.top + 6) && inside(r.right - 4, r.bottom - 6);
      }),
    ).resolves.toBe(true);
    await screenshot(page, 'yaml-problem-hover');

    await page.mouse.move(5, 5);
    await yamlCursorAtEndOf(page, 'type: features.split_nope');
    await page.keyboard.press('Home');
    await page.keyboard.press('F8');
    const widget = page.locator('[data-testid="yaml-view"] .marker-widget').first();
    await expect.poll(() => widget.textContent({ timeout: 1000 }).catch(() => '')).toMatch(/split_nope/);
    await screenshot(page, 'yaml-problem-f8');
    await page.keyboard.press('Escape');

    // leave the shared project as it was
    await page.getByTestId('toggle-yaml').click();
    for (let i = 0; i < 10 && (await page.getByTestId('undo').isEnabled()); i++) await page.getByTestId('undo').click();
    await expect.poll(() => page.locator('[data-testid="node-split"] .pw-node-type').textContent()).toBe('features.split');
    await expect.poll(() => page.getByTestId('save-state').textContent()).toBe('saved');
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
