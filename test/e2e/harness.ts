/**
 * Starts the real app (`node dist/web.cjs`) on a free port with a throwaway PIPEWRIGHT_HOME, and
 * Debian's Chromium through playwright-core. Used by the e2e tests and the editor benchmark.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

export const ROOT = resolve(__dirname, '..', '..');
export const SHOTS = join(ROOT, 'test-results', 'e2e');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/**
 * How long one wait on the page may take before it fails (actions, selectors, waitForFunction).
 * Generous: a loaded 2-core CI machine can take seconds for a render or an API call.
 */
export const WAIT_MS = 60_000;
/** How long a whole pipeline run may take (the example trains a model) on such a machine. */
export const RUN_MS = 300_000;

export interface AppServer {
  url: string;
  home: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/**
 * `firstStart`: a machine that never ran the app, so the page shows the welcome gallery; without
 * it the gallery counts as shown (the suite's pages share one app and start on the example).
 */
export async function startServer(opts: { home?: string; args?: string[]; firstStart?: boolean } = {}): Promise<AppServer> {
  const webBundle = join(ROOT, 'dist', 'web.cjs');
  if (!existsSync(webBundle)) throw new Error('dist/web.cjs is missing: run `npm run build` first');
  if (!existsSync(join(ROOT, 'dist', 'renderer', 'index.html'))) throw new Error('dist/renderer is missing: run `npm run build:web` first');
  const home = opts.home ?? mkdtempSync(join(tmpdir(), 'pw-e2e-'));
  if (!opts.firstStart) writeFileSync(join(home, 'welcomed'), 'e2e\n');
  const proc = spawn(process.execPath, [webBundle, '--port', '0', ...(opts.args ?? [])], {
    cwd: ROOT,
    env: { ...process.env, PIPEWRIGHT_HOME: home, PIPEWRIGHT_PORT: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stderr!.on('data', (d) => (err += String(d)));
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`the server printed no URL within 120 s\nstdout: ${out}\nstderr: ${err}`)), 120_000);
    proc.stdout!.on('data', (d) => {
      out += String(d);
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`the server exited with ${code}\nstdout: ${out}\nstderr: ${err}`));
    });
  });
  return {
    url,
    home,
    proc,
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (proc.exitCode === null) proc.kill('SIGKILL');
      }
      if (!opts.home) rmSync(home, { recursive: true, force: true });
    },
  };
}

/** playwright-core gives every launch a fresh temporary profile (it refuses --user-data-dir). */
export async function launchBrowser(): Promise<{ browser: Browser; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
  return {
    browser,
    async close() {
      await browser.close();
    },
  };
}

/** vitest, loaded when a helper asserts: the benchmarks import this file outside vitest, which refuses require(). */
const vitest = () => import('vitest');

let shot = 0;
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SHOTS, { recursive: true });
  const file = join(SHOTS, `${String(++shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** Collects page errors so a test can fail on an uncaught exception in the UI. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  return errors;
}

/** The app under test: the one run-e2e.mjs started (PW_E2E_URL), else a server of our own. */
export async function useApp(): Promise<{ url: string; home: string; stop(): Promise<void> }> {
  if (process.env.PW_E2E_URL && process.env.PW_E2E_HOME) return { url: process.env.PW_E2E_URL, home: process.env.PW_E2E_HOME, stop: async () => {} };
  return startServer();
}

/** `beforeLoad` sees the page before it loads (e.g. to watch its WebSocket from the first frame). */
export async function openPage(browser: Browser, url: string, beforeLoad?: (page: Page) => void): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(url).origin });
  context.setDefaultTimeout(WAIT_MS);
  context.setDefaultNavigationTimeout(2 * WAIT_MS);
  const page = await context.newPage();
  const errors = watchErrors(page);
  beforeLoad?.(page);
  await page.goto(url);
  await page.waitForSelector('[data-testid="app"][data-ready="true"]', { timeout: 2 * WAIT_MS });
  return { page, errors };
}

/**
 * Puts the YAML view's cursor at the end of the line holding `text`, and waits until the editor
 * has the focus (so typed keys reach it). It clicks the line's first word, as a user would: a
 * Monaco line box is as wide as the longest line and reaches under the inspector, so the centre
 * of that box is often no point of the editor at all.
 */
export async function yamlCursorAtEndOf(page: Page, text: string): Promise<void> {
  const line = page.locator('[data-testid="yaml-view"] .view-line', { hasText: text });
  await line.waitFor();
  await line.locator('span > span').filter({ hasText: /\S/ }).first().click();
  await page.locator('[data-testid="yaml-view"] .monaco-editor.focused').waitFor();
  await page.keyboard.press('End');
}

/**
 * Creates the project `project` (a path) and opens the bundled breast-cancer example in it by
 * path: the e2e files share one app, so a test that needs the example must not rely on what
 * another test left open.
 */
export async function openExampleInOwnProject(page: Page, home: string, project: string): Promise<void> {
  await page.getByTestId('project-button').click();
  await page.getByTestId('project-path-input').fill(project);
  await page.getByTestId('project-create').click();
  const name = project.split('/').pop()!;
  const { expect } = await vitest();
  await expect.poll(() => page.getByTestId('project-button').textContent()).toContain(name);
  await page.getByTestId('project-button').click();
  await page.getByTestId('open-path-input').fill(join(home, 'workspace', 'examples', 'breast-cancer.pipeline.yaml'));
  await page.getByTestId('open-path').click();
  await page.waitForSelector('[data-testid="node-gate"]');
  await waitForLayout(page);
}

/**
 * Waits until the open pipeline is laid out: a file without a `layout` block (the bundled
 * examples) is drawn with every node at the origin until auto-layout places them, a moment later.
 */
export async function waitForLayout(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const at = [...document.querySelectorAll<HTMLElement>('.react-flow__node-pw')].map((n) => n.style.transform);
    return at.length > 0 && new Set(at).size === at.length;
  });
}

/** Nodes whose box lies partly under a panel floating over the canvas (the zoom controls, the minimap): ids. */
export async function nodesUnderPanels(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const panels = [...document.querySelectorAll('.react-flow__controls, .react-flow__minimap')].map((p) => p.getBoundingClientRect());
    return [...document.querySelectorAll<HTMLElement>('.react-flow__node-pw')]
      .filter((n) => {
        const r = n.getBoundingClientRect();
        return panels.some((p) => r.left < p.right && r.right > p.left && r.top < p.bottom && r.bottom > p.top);
      })
      .map((n) => n.dataset.id ?? '');
  });
}

/** Drags a palette item onto the canvas at page coordinates (x, y). */
export async function dropFromPalette(page: Page, type: string, x: number, y: number) {
  const canvas = page.getByTestId('canvas');
  const box = (await canvas.boundingBox())!;
  await page.getByTestId(`palette-item-${type}`).dragTo(canvas, { targetPosition: { x: x - box.x, y: y - box.y } });
}

/** Drags a wire from one handle to another; returns the release (so a test can look mid-drag). */
export async function connect(page: Page, from: string, to: string) {
  const a = (await page.getByTestId(from).boundingBox())!;
  const b = (await page.getByTestId(to).boundingBox())!;
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 5 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 5 });
  return async () => page.mouse.up();
}

/**
 * Pans the canvas (a drag on its empty background, as a user does) until node `id`'s header is
 * inside it: at the readable default zoom a graph may reach past the canvas's edges.
 */
export async function revealNode(page: Page, id: string) {
  for (let i = 0; i < 6; i++) {
    const c = (await page.getByTestId('canvas').boundingBox())!;
    const h = (await page.getByTestId(`node-${id}`).locator('.pw-node-header').boundingBox())!;
    const [x, y] = [h.x + h.width / 2, h.y + h.height / 2];
    const dx = x < c.x + 60 ? c.x + 120 - x : x > c.x + c.width - 60 ? c.x + c.width - 120 - x : 0;
    const dy = y < c.y + 60 ? c.y + 120 - y : y > c.y + c.height - 60 ? c.y + c.height - 120 - y : 0;
    if (!dx && !dy) return;
    // a point of the empty background to grab
    const start = await page.evaluate(({ c }) => {
      for (let gy = c.y + 20; gy < c.y + c.height - 20; gy += 30)
        for (let gx = c.x + 20; gx < c.x + c.width - 20; gx += 30)
          if (document.elementFromPoint(gx, gy)?.classList.contains('react-flow__pane')) return { x: gx, y: gy };
      return null;
    }, { c });
    if (!start) return;
    await page.mouse.move(start.x, start.y);
    await page.mouse.down();
    await page.mouse.move(start.x + dx / 2, start.y + dy / 2, { steps: 4 });
    await page.mouse.move(start.x + dx, start.y + dy, { steps: 4 });
    await page.mouse.up();
  }
}

/** Selects a node by clicking its header (panning to it first); waits for the inspector to show it. */
export async function selectNode(page: Page, id: string) {
  await revealNode(page, id);
  await page.getByTestId(`node-${id}`).locator('.pw-node-header').click();
  const { expect } = await vitest();
  await expect.poll(() => page.getByTestId('node-id-input').inputValue()).toBe(id);
}

/** Picks `value` in a picker once the picker offers it (the columns arrive after the file is read). */
export async function pickOption(page: Page, testId: string, value: string) {
  await page.locator(`select[data-testid="${testId}"] option[value="${value}"]`).waitFor({ state: 'attached' });
  await page.locator(`select[data-testid="${testId}"]`).selectOption(value);
}

/** Shift-drags a selection box around `a` and `b` (a node id, or any element), from the top left. */
export async function boxSelect(page: Page, a: string | Locator, b: string | Locator): Promise<void> {
  const at = (x: string | Locator) => (typeof x === 'string' ? page.getByTestId(`node-${x}`) : x);
  const ra = (await at(a).boundingBox())!;
  const rb = (await at(b).boundingBox())!;
  const [x0, y0] = [Math.min(ra.x, rb.x) - 6, Math.min(ra.y, rb.y) - 6];
  const [x1, y1] = [Math.max(ra.x + ra.width, rb.x + rb.width) + 6, Math.max(ra.y + ra.height, rb.y + rb.height) + 6];
  await page.keyboard.down('Shift');
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  await page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, { steps: 4 });
  await page.mouse.move(x1, y1, { steps: 4 });
  await page.mouse.up();
  await page.keyboard.up('Shift');
}
