/**
 * Issue 13, the editor's side of monitoring: monitor.drift's report drawn per column (penguins
 * against a copy with heavier birds, islands moved and the sex column emptied), and the Triggers
 * page: a 6-field cron schedule (every 2 s) beside a project fires in the web server by itself,
 * its run appears on the Runs page without a click, and the Triggers page lists the trigger, its
 * next firing, its firings with their runs, and pauses it.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openPage, ROOT, RUN_MS, screenshot, selectNode } from './harness';
import { e2eSuite } from './suite';
import { SPIN_NODE, weatherJob } from '../helpers/weather-job';

const suite = e2eSuite();

/** penguins.csv with body mass +20 %, every other Torgersen bird moved to Biscoe, and no sex recorded. */
function shiftedPenguins(csv: string): string {
  const [head, ...rows] = csv.trimEnd().split('\n');
  const cols = head.split(',');
  const mass = cols.indexOf('body_mass_g');
  const island = cols.indexOf('island');
  const sex = cols.indexOf('sex');
  let torgersen = 0;
  const out = rows.map((line) => {
    const v = line.split(',');
    if (v[mass] !== '') v[mass] = String(Math.round(Number(v[mass]) * 1.2));
    if (v[island] === 'Torgersen' && torgersen++ % 2 === 0) v[island] = 'Biscoe';
    v[sex] = '';
    return v.join(',');
  });
  return [head, ...out].join('\n') + '\n';
}

/** Creates and opens the project file `path` from the top bar, as a person does. */
async function createProject(page: Page, path: string): Promise<void> {
  await page.getByTestId('project-button').click();
  await page.getByTestId('project-path-input').fill(path);
  await page.getByTestId('project-create').click();
  await page.getByTestId('project-button').filter({ hasText: basename(path) }).waitFor();
}

/** The toolbar, with the Triggers tab, fits one line at 1440 px: every visible item on one middle line. */
async function expectToolbarOnOneLine(page: Page): Promise<void> {
  const boxes = await page.locator('.pw-toolbar > *').evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).filter((r) => r.height > 0).map((r) => ({ middle: r.top + r.height / 2, left: Math.round(r.left), width: Math.round(r.width) })));
  const middles = boxes.map((b) => b.middle);
  expect(Math.max(...middles) - Math.min(...middles), JSON.stringify(boxes)).toBeLessThan(12);
  const tabs = await page.getByTestId('page-tabs').locator('button').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().top));
  expect(new Set(tabs).size).toBe(1);
}

const DRIFT_PIPELINE = `apiVersion: pipewright/v1
kind: Pipeline
metadata:
  name: penguin-drift
nodes:
  reference:
    type: data.csv
    params:
      path: reference.csv
  current:
    type: data.csv
    params:
      path: current.csv
  drift:
    type: monitor.drift
    inputs:
      reference: reference.table
      current: current.table
layout:
  reference: { x: 40, y: 40 }
  current: { x: 40, y: 200 }
  drift: { x: 360, y: 120 }
`;

describe('monitoring in the editor', () => {
  it('draws each column of a drift report, drifted first, with its test and a not-enough-data column', async () => {
    const dir = join(suite.app.home, 'drift-e2e');
    mkdirSync(dir, { recursive: true });
    const penguins = readFileSync(join(ROOT, 'resources', 'data', 'penguins.csv'), 'utf8');
    writeFileSync(join(dir, 'reference.csv'), penguins);
    writeFileSync(join(dir, 'current.csv'), shiftedPenguins(penguins));
    const file = join(dir, 'penguin-drift.pipeline.yaml');
    writeFileSync(file, DRIFT_PIPELINE);

    const { page, errors } = await openPage(suite.browser, suite.app.url);
    await createProject(page, join(dir, 'penguin-drift.pwproj'));
    await page.getByTestId('project-button').click();
    await page.getByTestId('open-path-input').fill(file);
    await page.getByTestId('open-path').click();
    await page.getByTestId('node-drift').waitFor();
    await page.getByTestId('run-all').click();
    await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: RUN_MS }).toBe('succeeded');

    await selectNode(page, 'drift');
    const report = page.getByTestId('drift-report');
    await report.waitFor();
    // 2 of 6 compared columns drifted (body mass by KS, island by chi-square); sex is empty in current.
    await expect(page.getByTestId('drift-summary').textContent()).resolves.toBe('No dataset drift: 2 of 6 columns drifted (33.3\u00a0%; the dataset drifts at ≥ 50\u00a0%)');
    await expect(page.getByTestId('drift-skipped').textContent()).resolves.toMatch(/1 column not compared/);
    const cards = report.locator('[data-testid^="drift-column-"]');
    const order = await cards.evaluateAll((els) => els.map((e) => [e.getAttribute('data-testid')!.slice('drift-column-'.length), e.getAttribute('data-drifted'), e.getAttribute('data-status')]));
    expect(order.slice(0, 2).map((o) => o[1])).toEqual(['true', 'true']);
    expect(order.slice(0, 2).map((o) => o[0]).sort()).toEqual(['body_mass_g', 'island']);
    expect(order[order.length - 1]).toEqual(['sex', 'false', 'not_enough_data']);

    const mass = page.getByTestId('drift-column-body_mass_g');
    // KS with its statistic and p-value rounded for people, against the 0.05 bound.
    await expect(mass.getByTestId('drift-verdict').textContent()).resolves.toMatch(/^Kolmogorov–Smirnov · D 0\.\d{1,3} · p-value [\d.e-]+ < 0\.05$/);
    await expect(page.getByTestId('drift-column-island').getByTestId('drift-verdict').textContent()).resolves.toMatch(/^chi-square · χ² [\d.]+ · p-value [\d.e-]+ < 0\.05$/);
    await expect(page.getByTestId('drift-column-species').getByTestId('drift-verdict').textContent()).resolves.toMatch(/^chi-square · χ² 0 · p-value 1 ≥ 0\.05$/);
    await expect(page.getByTestId('drift-column-sex').textContent()).resolves.toMatch(/not enough data.*every current value is null/);
    // A chart per compared column (numeric histograms and category bars), none for sex.
    await page.getByTestId('drift-chart-body_mass_g').locator('canvas').waitFor();
    await page.getByTestId('drift-chart-island').locator('canvas').waitFor();
    await expect(page.getByTestId('drift-chart-sex').count()).resolves.toBe(0);
    await expectToolbarOnOneLine(page);
    // the long per-column metrics are folded: the report's summary is in sight without scrolling
    await page.getByTestId('metrics-show-all').waitFor();
    await screenshot(page, 'drift-selected');
    await page.getByTestId('drift-summary').evaluate((e) => e.scrollIntoView({ block: 'start' }));
    await screenshot(page, 'drift-report-drifted-columns');
    await page.getByTestId('drift-column-sex').evaluate((e) => e.scrollIntoView({ block: 'end' }));
    await screenshot(page, 'drift-report-not-enough-data');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('runs a 2-second schedule while the project is open: the run appears on the Runs page by itself; the Triggers page lists and pauses it', async () => {
    const dir = join(suite.app.home, 'triggers-e2e');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'every-2s.pipeline.yaml'),
      weatherJob(
        'every-2s',
        `  wet:
    type: data.sql
    inputs:
      days: weather.table
    params:
      query: SELECT weather, count(*) AS days FROM days GROUP BY weather
`,
        'triggers:\n  - schedule: "*/2 * * * * *"\n',
      ),
    );
    const { page, errors } = await openPage(suite.browser, suite.app.url);
    await createProject(page, join(dir, 'every-2s.pwproj'));

    // Nobody clicks Run: the schedule's run shows up on the Runs page, started by the schedule.
    await page.getByTestId('page-tab-runs').click();
    const scheduled = page.getByTestId('runs-row').filter({ has: page.locator('[data-col="trigger"]', { hasText: 'schedule' }) });
    await scheduled.filter({ hasText: 'succeeded' }).first().waitFor({ timeout: RUN_MS });
    await screenshot(page, 'triggers-run-on-runs-page');

    // the Triggers tab's dot says the app runs them; the bar, on the editor too, keeps one line
    await expect.poll(() => page.getByTestId('triggers-indicator').getAttribute('data-state')).toBe('on');
    await page.getByTestId('page-tab-editor').click();
    await expectToolbarOnOneLine(page);
    await screenshot(page, 'triggers-indicator-on-editor');
    await page.getByTestId('page-tab-triggers').click();
    const row = page.getByTestId('trigger-row');
    await row.waitFor();
    await expect(page.getByTestId('triggers-app').textContent()).resolves.toBe('triggers: on');
    await expect(row.textContent()).resolves.toMatch(/every-2s.*cron.*\*\/2 \* \* \* \* \*/);
    await expect.poll(() => row.getByTestId('trigger-next').textContent()).toMatch(/^(in [12] s|due now)$/);
    const done = page.locator('[data-testid^="firing-"][data-status="done"]').first();
    await done.waitFor();
    await expect(done.textContent()).resolves.toMatch(/cron.*succeeded\s*1\s*run \d+.*scheduled for/);
    await expectToolbarOnOneLine(page);
    await screenshot(page, 'triggers-page');

    // Pause the trigger (kept in the project file for every watcher), then the app's own switch.
    await row.getByTestId('trigger-pause').click();
    await expect.poll(() => row.getAttribute('data-paused')).toBe('true');
    await expect(row.getByTestId('trigger-next').textContent()).resolves.toBe('paused');
    await expect(row.getByTestId('trigger-pause').textContent()).resolves.toBe('Resume');
    await page.getByTestId('triggers-app').click();
    await expect.poll(() => page.getByTestId('triggers-app').textContent()).toBe('triggers: paused');
    await expect.poll(() => page.getByTestId('triggers-indicator').getAttribute('data-state')).toBe('paused');
    await screenshot(page, 'triggers-paused');

    // A firing's run link opens that run on the Runs page.
    const link = done.locator('[data-testid^="firing-run-"]');
    const runId = (await link.getAttribute('data-testid'))!.slice('firing-run-'.length);
    await link.click();
    await expect.poll(() => page.getByTestId('run-detail').getAttribute('data-run')).toBe(runId);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('cancels runs a files trigger started: from the Triggers page, and from the run details on the Runs page', async () => {
    const dir = join(suite.app.home, 'cancel-e2e');
    mkdirSync(join(dir, 'incoming'), { recursive: true });
    // A node that never returns on its own (its limit is 10 minutes): only Cancel ends the run.
    writeFileSync(join(dir, 'spin.pipeline.yaml'), weatherJob('spin', SPIN_NODE, 'triggers:\n  - files: incoming/*.csv\n'));
    writeFileSync(join(dir, 'incoming', 'monday.csv'), 'a\n1\n');
    const { page, errors } = await openPage(suite.browser, suite.app.url);
    await createProject(page, join(dir, 'spin.pwproj'));

    // The Triggers page: the running firing's run has a Cancel button; pressed, the firing ends cancelled.
    await page.getByTestId('page-tab-triggers').click();
    const first = page.locator('[data-testid^="firing-"][data-status="running"]').first();
    const cancel = first.locator('[data-testid^="firing-cancel-"]');
    await cancel.waitFor({ timeout: RUN_MS });
    await screenshot(page, 'triggers-firing-running-cancel');
    const firstRun = (await cancel.getAttribute('data-testid'))!.slice('firing-cancel-'.length);
    await cancel.click();
    const cancelled = page.getByTestId(`firing-run-${firstRun}`).locator('xpath=ancestor::tr');
    await expect.poll(() => cancelled.getAttribute('data-status'), { timeout: RUN_MS }).toBe('done');
    await expect(cancelled.textContent()).resolves.toMatch(/cancelled/);
    await expect(cancelled.locator('[data-testid^="firing-cancel-"]').count()).resolves.toBe(0);
    await screenshot(page, 'triggers-firing-cancelled');

    // A second file fires again: this run is cancelled from its details on the Runs page.
    writeFileSync(join(dir, 'incoming', 'tuesday.csv'), 'a\n2\n');
    const second = page.locator('[data-testid^="firing-"][data-status="running"]').first();
    const link = second.locator('[data-testid^="firing-run-"]');
    await link.waitFor({ timeout: RUN_MS });
    const secondRun = (await link.getAttribute('data-testid'))!.slice('firing-run-'.length);
    expect(secondRun).not.toBe(firstRun);
    await link.click();
    await expect.poll(() => page.getByTestId('run-detail').getAttribute('data-run')).toBe(secondRun);
    await expect.poll(() => page.getByTestId('run-detail-status').textContent()).toBe('running');
    await screenshot(page, 'run-detail-running-cancel');
    await page.getByTestId('run-cancel').click();
    await expect.poll(() => page.getByTestId('run-detail-status').textContent(), { timeout: RUN_MS }).toBe('cancelled');
    await expect(page.getByTestId('run-cancel').count()).resolves.toBe(0);
    await screenshot(page, 'run-detail-cancelled');
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
