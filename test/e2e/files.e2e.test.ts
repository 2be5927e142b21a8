/**
 * Issue 15's files, examples and canvas shortcuts, as a user meets them in the browser:
 * - Browse… beside a data node's path lists the workspace folder (size, time) and sets the path
 *   relative to the pipeline's folder; the column pickers follow. The server lists nothing of
 *   /etc or ../ for the same page.
 * - A CSV dropped on the canvas is uploaded into the workspace's data/ under a free name (the
 *   file already there is untouched) and becomes a data.csv node at the drop point.
 * - A wire dropped on empty canvas opens quick-add with only the types that can take it, and the
 *   picked node is connected.
 * - Export ▾ KServe downloads what `pipewright export-model --to kserve` prints, byte for byte.
 * - A first start shows the example gallery beside the example, ready to run, every example's
 *   card in sight without scrolling at 1440x900 and 1280x720; an example opened from it never
 *   replaces the user's edited copy.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { dropFromPalette, openPage, ROOT, RUN_MS, screenshot, selectNode, startServer } from './harness';
import { e2eSuite } from './suite';

const suite = e2eSuite();
const run = promisify(execFile);
const CLI = join(ROOT, 'bin', 'pipewright.cjs');
const SHARED = (f: string) => (existsSync(`/work/shared/data/${f}`) ? `/work/shared/data/${f}` : join(ROOT, 'resources', 'data', f));

async function newProject(page: Page, file: string) {
  mkdirSync(join(file, '..'), { recursive: true });
  await page.getByTestId('project-button').click();
  await page.getByTestId('project-path-input').fill(file);
  await page.getByTestId('project-create').click();
  await page.waitForFunction(() => document.querySelectorAll('.react-flow__node').length === 0);
}

/** One API call from the page itself, over its own socket and token (as any script in the page could). */
function apiFromPage(page: Page, method: string, params: unknown) {
  return page.evaluate(
    ({ method, params }) =>
      new Promise<{ result?: unknown; error?: { message: string } }>((resolve) => {
        const token = new URLSearchParams(location.search).get('token') ?? '';
        const ws = new WebSocket(`ws://${location.host}/api?token=${encodeURIComponent(token)}`);
        ws.onopen = () => ws.send(JSON.stringify({ t: 'req', id: 1, method, params }));
        ws.onmessage = (ev) => {
          const msg = JSON.parse(String(ev.data)) as { t: string; result?: unknown; error?: { message: string } };
          if (msg.t !== 'res') return;
          ws.close();
          resolve(msg);
        };
      }),
    { method, params },
  );
}

describe('files, examples and wires', () => {
  it('Browse… picks a workspace file: size and time shown, path relative, columns follow; nothing outside is listed', async () => {
    const { page, errors } = await openPage(suite.browser, suite.app.url);
    await newProject(page, join(suite.app.home, 'files', 'browse.pwproj'));
    await page.getByTestId('palette-item-data.csv').click();
    await selectNode(page, 'csv');
    await page.getByTestId('param-path-browse').click();
    const picker = page.getByTestId('file-picker');
    await picker.getByTestId('file-entry-iris.csv').waitFor();
    const row = await picker.getByTestId('file-entry-iris.csv').locator('td').allTextContents();
    expect(row[1]).toBe('3.8 KB');
    expect(row[2]).toMatch(/\d{4}/);
    // only data files the CSV node reads: SOURCES.md is not offered
    expect(await picker.getByTestId('file-entry-SOURCES.md').count()).toBe(0);
    await screenshot(page, 'files-picker');
    await picker.getByTestId('file-entry-iris.csv').click();
    await picker.waitFor({ state: 'detached' });
    await expect.poll(() => page.getByTestId('param-path').inputValue()).toBe('../workspace/data/iris.csv');
    await expect.poll(() => page.getByTestId('schema-summary').textContent()).toMatch(/5 columns.*species/);
    await screenshot(page, 'files-picked');

    // The picker's server side, asked by the page for places outside the workspace: nothing.
    for (const dir of ['/etc', '/etc/passwd', '../x', '..', 'data/../../..']) {
      const r = await apiFromPage(page, 'workspace.files', { type: 'data.csv', dir });
      expect(r.result, dir).toBeUndefined();
      expect(r.error?.message, dir).toMatch(/not an absolute path|no "\.\."/);
      expect(JSON.stringify(r)).not.toMatch(/root:x:0|passwd",/);
    }
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('a CSV dropped on the canvas is uploaded under a free name and becomes a data node there', async () => {
    const { page, errors } = await openPage(suite.browser, suite.app.url);
    await newProject(page, join(suite.app.home, 'files', 'drop.pwproj'));
    const bundled = join(suite.app.home, 'workspace', 'data', 'penguins.csv');
    const before = readFileSync(bundled);
    const csv = readFileSync(SHARED('penguins.csv'));
    const canvas = (await page.getByTestId('canvas').boundingBox())!;
    const drop = async (x: number, y: number) => {
      const transfer = await page.evaluateHandle((b64) => {
        const dt = new DataTransfer();
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        dt.items.add(new File([bytes], 'penguins.csv', { type: 'text/csv' }));
        return dt;
      }, csv.toString('base64'));
      await page.getByTestId('canvas').dispatchEvent('dragover', { dataTransfer: transfer, clientX: x, clientY: y });
      await page.getByTestId('canvas').dispatchEvent('drop', { dataTransfer: transfer, clientX: x, clientY: y });
    };
    await drop(canvas.x + 300, canvas.y + 200);
    await page.getByTestId('node-penguins').waitFor();
    const node = (await page.getByTestId('node-penguins').boundingBox())!;
    expect(Math.abs(node.x - (canvas.x + 300))).toBeLessThan(60);
    expect(Math.abs(node.y - (canvas.y + 200))).toBeLessThan(60);
    await expect.poll(() => page.getByTestId('param-path').inputValue()).toBe('../workspace/data/penguins-2.csv');
    await expect.poll(() => page.getByTestId('schema-summary').textContent()).toMatch(/table: \d+ columns.*species/);
    expect(readFileSync(join(suite.app.home, 'workspace', 'data', 'penguins-2.csv'))).toEqual(csv);
    // the file already there is untouched; a second drop takes the next free name
    expect(readFileSync(bundled)).toEqual(before);
    await drop(canvas.x + 700, canvas.y + 200);
    await page.getByTestId('node-penguins2').waitFor();
    await expect.poll(() => page.getByTestId('param-path').inputValue()).toBe('../workspace/data/penguins-3.csv');
    await screenshot(page, 'files-dropped');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('a wire dropped on empty canvas offers only compatible types and connects the one picked', async () => {
    const { page, errors } = await openPage(suite.browser, suite.app.url);
    await newProject(page, join(suite.app.home, 'files', 'wire.pwproj'));
    await page.getByTestId('palette-item-data.csv').click();
    await page.getByTestId('node-csv').waitFor();
    /** Drags a wire from `handle` to the empty canvas about (dx, dy) away from it. */
    const dragToEmpty = async (handle: string, dx: number, dy: number) => {
      // where the handle settles: a node just added is measured and placed over a frame or two
      let h = (await page.getByTestId(handle).boundingBox())!;
      for (let prev = null as typeof h | null; !prev || prev.x !== h.x || prev.y !== h.y; ) {
        prev = h;
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
        h = (await page.getByTestId(handle).boundingBox())!;
      }
      const to = await page.evaluate(({ x, y }) => {
        for (let r = 0; r < 400; r += 20)
          for (const [gx, gy] of [[x, y + r], [x, y - r], [x + r, y], [x - r, y]])
            if (document.elementFromPoint(gx, gy)?.classList.contains('react-flow__pane')) return { x: gx, y: gy };
        return null;
      }, { x: h.x + dx, y: h.y + dy });
      expect(to).not.toBeNull();
      await page.mouse.move(h.x + h.width / 2, h.y + h.height / 2);
      await page.mouse.down();
      await page.mouse.move((h.x + to!.x) / 2, (h.y + to!.y) / 2, { steps: 5 });
      await page.mouse.move(to!.x, to!.y, { steps: 5 });
      await page.mouse.up();
      await page.getByTestId('quick-add').waitFor();
    };
    await dragToEmpty('handle-csv-out-table', 260, 80);
    await expect(page.getByTestId('quick-add-input').getAttribute('placeholder')).resolves.toBe('Add a node taking a table…');
    const offered = await page.locator('[data-testid^="quick-add-item-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')!.slice('quick-add-item-'.length)));
    expect(offered).toContain('features.split');
    expect(offered).not.toContain('data.csv'); // takes no input
    expect(offered).not.toContain('deploy.register'); // takes a model, not a table
    await screenshot(page, 'files-wire-quick-add');
    await page.getByTestId('quick-add-input').fill('split');
    await page.locator('[data-testid="quick-add-item-features.split"].active').waitFor();
    await page.keyboard.press('Enter');
    await page.getByTestId('node-split').waitFor();
    await page.locator('[data-testid="rf__edge-csv.table->split.table"]').waitFor({ state: 'attached' });

    // from an input: what can feed a model into evaluate (trainers, and register, which passes its model on)
    const c = (await page.getByTestId('canvas').boundingBox())!;
    await dropFromPalette(page, 'evaluate.classification', c.x + 520, c.y + c.height - 220);
    await page.getByTestId('node-evaluate').waitFor();
    await dragToEmpty('handle-evaluate-in-model', -160, -220);
    const feeders = await page.locator('[data-testid^="quick-add-item-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')!.slice('quick-add-item-'.length)));
    expect(feeders).toContain('train.logistic_regression');
    expect(feeders.every((t) => t.startsWith('train.') || t === 'deploy.register')).toBe(true);
    await page.locator('[data-testid="quick-add-item-train.logistic_regression"]').click();
    await page.locator('[data-testid="rf__edge-logistic_regression.model->evaluate.model"]').waitFor({ state: 'attached' });
    // one undo step removes the node and its wire
    await page.getByTestId('undo').click();
    await page.getByTestId('node-logistic_regression').waitFor({ state: 'detached' });
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('Export ▾ KServe InferenceService downloads what pipewright export-model writes, byte for byte', async () => {
    const dir = join(suite.app.home, 'files', 'kserve');
    mkdirSync(dir, { recursive: true });
    const example = readFileSync(join(ROOT, 'resources', 'examples', 'breast-cancer.pipeline.yaml'), 'utf8').replace('../data/breast_cancer.csv', join(ROOT, 'resources', 'data', 'breast_cancer.csv'));
    // the example registers its model as breast-cancer@champion
    writeFileSync(join(dir, 'reg.pipeline.yaml'), example.replace('name: breast-cancer\n      alias: champion', 'name: cancer\n      alias: champion'));
    const project = join(dir, 'reg.pwproj');
    await run(process.execPath, [CLI, 'run', join(dir, 'reg.pipeline.yaml'), '--project', project]);

    const { page, errors } = await openPage(suite.browser, suite.app.url);
    await page.getByTestId('project-button').click();
    await page.getByTestId('project-path-input').fill(project);
    await page.getByTestId('project-open').click();
    await expect.poll(() => page.getByTestId('project-button').textContent()).toContain('reg.pwproj');
    await page.getByTestId('export').click();
    await page.getByTestId('export-kserve').click();
    await expect.poll(() => page.getByTestId('kserve-model').inputValue()).toBe('cancer@champion');
    await page.getByTestId('kserve-storage-uri').fill('s3://models/cancer/');
    await screenshot(page, 'files-kserve-form');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('kserve-download').click()]);
    expect(download.suggestedFilename()).toBe('cancer-v1.kserve.yaml');
    const got = readFileSync((await download.path())!, 'utf8');
    const cli = execFileSync(
      process.execPath,
      [CLI, 'export-model', 'cancer@champion', '--project', project, '--to', 'kserve', '--image', 'ghcr.io/pipewright/runner:latest', '--storage-uri', 's3://models/cancer/'],
      { encoding: 'utf8' },
    );
    expect(got).toBe(cli);
    expect(got).toMatch(/kind: InferenceService/);
    // a bad option is said in the form's words, nothing downloaded
    await page.getByTestId('export').click();
    await page.getByTestId('export-kserve').click();
    await page.getByTestId('kserve-image').fill('not an image');
    await page.getByTestId('kserve-download').click();
    await expect.poll(() => page.locator('.pw-notice').allTextContents()).toContainEqual(expect.stringMatching(/image: not an image: an image reference has no spaces/));
    expect(errors).toEqual([]);
    await page.context().close();
  }, RUN_MS);

  it('a first start shows the gallery beside the example, ready to run; an edited example is never replaced', async () => {
    const app = await startServer({ firstStart: true });
    try {
      const { page, errors } = await openPage(suite.browser, app.url);
      const gallery = page.getByTestId('gallery');
      await gallery.waitFor();
      await page.getByTestId('node-gate').waitFor();
      // laid out (the example has no layout block: elk places it once opened) and fitted
      const x = async (id: string) => (await page.getByTestId(`node-${id}`).boundingBox())!.x;
      await expect.poll(async () => (await x('gate')) - (await x('load'))).toBeGreaterThan(300);
      expect(await page.getByTestId('run-all').isEnabled()).toBe(true);
      await expect(gallery.getByTestId('example-iris').textContent()).resolves.toMatch(/Iris.*Three iris species.*6 nodes · iris\.csv/);
      // the example that is open comes first, then the others
      await expect.poll(() => gallery.locator('.pw-gallery-item').first().getAttribute('data-testid')).toBe('example-breast-cancer');
      // docked under the canvas: it covers none of the open example's nodes, at either window size
      const covered = () =>
        page.evaluate(() => {
          const g = document.querySelector('[data-testid="gallery"]')!.getBoundingClientRect();
          const c = document.querySelector('[data-testid="canvas"]')!.getBoundingClientRect();
          return [...document.querySelectorAll<HTMLElement>('.react-flow__node')]
            .filter((n) => {
              const r = n.getBoundingClientRect();
              const overGallery = r.right > g.left && r.left < g.right && r.bottom > g.top && r.top < g.bottom;
              const offCanvas = r.left < c.left || r.right > c.right || r.top < c.top || r.bottom > c.bottom;
              return overGallery || offCanvas;
            })
            .map((n) => n.dataset.id);
        });
      // every example's card in sight, none needing a scroll: each card's box inside the strip's visible box
      const examples = readdirSync(join(ROOT, 'resources', 'examples')).filter((f) => f.endsWith('.pipeline.yaml')).length;
      const cardsOut = () =>
        page.evaluate(() => {
          const strip = document.querySelector<HTMLElement>('[data-testid="gallery"]')!;
          const s = strip.getBoundingClientRect();
          const cards = [...strip.querySelectorAll<HTMLElement>('.pw-gallery-item')];
          const out = cards.filter((c) => {
            const r = c.getBoundingClientRect();
            return r.left < s.left || r.right > s.right || r.top < s.top || r.bottom > s.bottom;
          });
          return { cards: cards.length, out: out.map((c) => c.dataset.testid), scrolls: strip.scrollHeight > strip.clientHeight || strip.scrollWidth > strip.clientWidth };
        });
      await expect.poll(cardsOut).toEqual({ cards: examples, out: [], scrolls: false });
      await expect.poll(covered).toEqual([]);
      await screenshot(page, 'files-welcome-gallery');
      await page.setViewportSize({ width: 1280, height: 720 });
      await page.getByTestId('fit-view').click();
      await expect.poll(cardsOut).toEqual({ cards: examples, out: [], scrolls: false });
      await expect.poll(covered).toEqual([]);
      await screenshot(page, 'files-welcome-gallery-1280');
      await page.setViewportSize({ width: 1440, height: 900 });
      // it blocks nothing: the example's nodes take clicks while it is open
      await selectNode(page, 'load');
      await gallery.getByTestId('example-iris').click();
      await gallery.waitFor({ state: 'detached' });
      await expect.poll(() => page.getByTestId('pipeline-name').textContent()).toBe('iris');

      // the user's own edits to the workspace copy: opening the example again does not replace them
      const mine = join(app.home, 'workspace', 'examples', 'iris.pipeline.yaml');
      const edited = `${readFileSync(mine, 'utf8')}# my notes\n`;
      writeFileSync(mine, edited);
      await page.getByTestId('new-pipeline').click();
      await page.getByTestId('examples').click();
      await page.getByTestId('gallery').getByTestId('example-iris').click();
      await expect.poll(() => page.getByTestId('pipeline-name').textContent()).toBe('iris-2');
      expect(readFileSync(mine, 'utf8')).toBe(edited);
      expect(existsSync(join(app.home, 'workspace', 'examples', 'iris-2.pipeline.yaml'))).toBe(true);
      await screenshot(page, 'files-example-copy');

      // shown once: a reload opens straight into the work
      await page.reload();
      await page.waitForSelector('[data-testid="app"][data-ready="true"]');
      await page.locator('.react-flow__node').first().waitFor();
      expect(await page.getByTestId('gallery').count()).toBe(0);
      expect(errors).toEqual([]);
      await page.context().close();
    } finally {
      await app.stop();
    }
  }, RUN_MS);
});
