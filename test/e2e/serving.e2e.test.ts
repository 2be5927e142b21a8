/**
 * The Serving page (issue 11 item 5): empty, it says how to start a server; a pipeline with
 * deploy.register + deploy.serve run in the web app leaves a live server listed with its URL and
 * version; "try it" predicts one real row of breast_cancer.csv through the server's own route
 * (the request counter moves on the next refresh); a `pipewright serve` started from a terminal
 * on the same project is listed beside it (its lease), with its version and live figures, and
 * shown as stopped once killed with -9; Stop removes the app's server and the port stops answering.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openPage, RUN_MS, screenshot } from './harness';
import { e2eSuite } from './suite';
import { startServe } from '../helpers/serve-process';

const suite = e2eSuite();

describe('serving page', () => {
  it('lists the server deploy.serve started, predicts a real row, and stops it', async () => {
    const { page, errors } = await openPage(suite.browser, suite.app.url);
    await page.getByTestId('page-tab-serving').click();
    await page.getByTestId('serving-empty').waitFor();
    await expect(page.getByTestId('serving-empty').textContent()).resolves.toMatch(/deploy\.serve.*pipewright serve/s);
    await screenshot(page, 'serving-empty');

    const home = suite.app.home;
    const csv = join(home, 'workspace', 'data', 'breast_cancer.csv');
    const examplePath = join(home, 'workspace', 'examples', 'breast-cancer.pipeline.yaml');
    const example = readFileSync(examplePath, 'utf8');
    const file = join(home, 'workspace', 'examples', 'serve-cancer.pipeline.yaml');
    // the example's own register node (named cancer here), and a deploy.serve after it
    const own = '    params:\n      name: breast-cancer\n      alias: champion\n';
    expect(example).toContain(own);
    expect(example).not.toMatch(/^layout:/m);
    writeFileSync(
      file,
      `${example.replace(own, '    params:\n      name: cancer\n      alias: champion\n').trimEnd()}\n  serve:\n    type: deploy.serve\n    inputs:\n      model: register.model\n    params:\n      name: cancer\n`,
    );
    await page.getByTestId('page-tab-editor').click().catch(() => undefined);
    await page.getByTestId('project-button').click();
    await page.getByTestId('project-path-input').fill(join(home, 'serving', 'serving.pwproj'));
    await page.getByTestId('project-create').click();
    await expect.poll(() => page.getByTestId('project-button').textContent()).toContain('serving.pwproj');
    await page.getByTestId('project-button').click();
    await page.getByTestId('open-path-input').fill(file);
    await page.getByTestId('open-path').click();
    await page.waitForSelector('[data-testid="node-serve"]');
    await page.getByTestId('run-all').click();
    await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: RUN_MS }).toMatch(/^(succeeded|gate_failed|failed)$/);
    await expect(page.getByTestId('run-status').textContent()).resolves.toBe('succeeded');

    await page.getByTestId('page-tab-serving').click();
    const row = page.getByTestId('server-cancer');
    await row.waitFor();
    const text = (await row.textContent())!;
    const url = (await row.getByTestId('server-url').textContent())!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(text).toMatch(/cancer:1\s*champion\s*serving\.pwproj\s*this app/);
    // The server really answers on that URL.
    const status = (await (await fetch(`${url}/v1/models/cancer`)).json()) as { model_version_status: { state: string }[] };
    expect(status.model_version_status[0].state).toBe('AVAILABLE');

    // Try it with the first malignant and the first benign rows of the CSV.
    const [header, ...lines] = readFileSync(csv, 'utf8').trim().split('\n');
    const cols = header.split(',');
    const labelAt = cols.indexOf('diagnosis');
    await page.getByTestId('try-it').waitFor();
    const before = Number(await row.getByTestId('server-requests').textContent());
    const first = (label: string) => lines.find((l) => l.split(',')[labelAt] === label)!;
    for (const [line, expected] of [[first('malignant'), 'malignant'], [first('benign'), 'benign']] as const) {
      const cells = line.split(',');
      for (const [i, c] of cols.entries()) if (i !== labelAt) await page.getByTestId(`try-input-${c}`).fill(cells[i]);
      await page.getByTestId('try-predict').click();
      await expect.poll(() => page.getByTestId('try-label').textContent()).toBe(expected);
    }
    const answer = (await page.getByTestId('try-answer').textContent())!;
    expect(answer).toMatch(/version 1/);
    // rounded scores, one per class, summing to 1
    const scores = ['benign', 'malignant'].map((k) => page.getByTestId(`try-score-${k}`).textContent());
    const values = (await Promise.all(scores)).map((s) => s!.split(' ').pop()!);
    for (const v of values) expect(v).toMatch(/^\d\.\d{3}$/);
    expect(Math.abs(values.reduce((a, v) => a + Number(v), 0) - 1)).toBeLessThan(0.002);
    // the live figures count both predictions
    await expect.poll(() => row.getByTestId('server-requests').textContent().then(Number)).toBeGreaterThanOrEqual(before + 2);
    await expect.poll(() => row.textContent()).toMatch(/\d+(\.\d)? ms.*\d+(\.\d)? ms/);
    await screenshot(page, 'serving-predicted');

    // A bad value is the server's 400, naming the column.
    await page.getByTestId(`try-input-${cols[0]}`).fill('lots');
    await page.getByTestId('try-predict').click();
    await expect.poll(() => page.getByTestId('try-error').textContent()).toMatch(new RegExp(`400.*${cols[0]}`));
    await screenshot(page, 'serving-bad-input');

    // A server started from a terminal on the same project: listed beside the app's own.
    const project = join(home, 'serving', 'serving.pwproj');
    const cli = resolve(__dirname, '..', '..', 'bin', 'pipewright.cjs');
    let external: ChildProcess | undefined;
    try {
      const served = await startServe(cli, ['--project', project, '--port', '0'], { cwd: home, started: (p) => (external = p) });
      const extUrl = served.url;
      const { exited } = served;
      external = served.proc;
      const extRow = page.getByTestId(`external-server-${external.pid}`);
      await extRow.waitFor();
      await expect(extRow.getByTestId('server-url').textContent()).resolves.toBe(extUrl);
      await expect(extRow.getByTestId('server-models').textContent()).resolves.toBe('cancer:1champion');
      await expect(extRow.getByTestId('server-origin').textContent()).resolves.toBe(`terminal · pid ${external.pid}`);
      const body = JSON.stringify({ instances: [Object.fromEntries(cols.flatMap((c, i) => (i === labelAt ? [] : [[c, Number(first('benign').split(',')[i])]])))] });
      for (let i = 0; i < 5; i++) expect((await fetch(`${extUrl}/v1/models/cancer:predict`, { method: 'POST', body })).status).toBe(200);
      await expect.poll(() => extRow.getByTestId('server-requests').textContent()).toBe('5');
      // req/s counts whole seconds: the next beat shows the 5 requests spread over 5 s
      await expect.poll(() => extRow.getByTestId('server-rps').textContent()).toBe('1.0');
      await expect.poll(() => extRow.textContent()).toMatch(/\d+(\.\d)? ms.*\d+(\.\d)? ms/);
      await extRow.click();
      await expect(page.getByTestId('server-curl').textContent()).resolves.toContain(`curl -s ${extUrl}/v1/models/cancer:predict`);
      // on this machine, on loopback and without a token, "try it" calls it too
      await expect.poll(() => page.getByTestId('try-it').textContent()).toContain('cancer:1');
      const cells = first('malignant').split(',');
      for (const [i, c] of cols.entries()) if (i !== labelAt) await page.getByTestId(`try-input-${c}`).fill(cells[i]);
      await page.getByTestId('try-predict').click();
      await expect.poll(() => page.getByTestId('try-label').textContent()).toBe('malignant');
      await expect.poll(() => extRow.getByTestId('server-requests').textContent()).toBe('6');
      await screenshot(page, 'serving-external');

      external.kill('SIGKILL');
      await exited;
      await extRow.getByTestId('server-state').waitFor();
      await expect(page.getByTestId('server-why').textContent()).resolves.toMatch(new RegExp(`process ${external.pid} is gone`));
      await expect(page.getByTestId('try-it').count()).resolves.toBe(0);
      await screenshot(page, 'serving-external-stopped');
    } finally {
      if (external && external.exitCode === null && external.signalCode === null) external.kill('SIGKILL');
    }

    await page.getByTestId('server-stop-cancer').click();
    await page.getByTestId('server-cancer').waitFor({ state: 'detached' });
    await expect(fetch(`${url}/v1/models/cancer`)).rejects.toThrow();
    expect(errors).toEqual([]);
    await page.context().close();
  }, RUN_MS);
});
