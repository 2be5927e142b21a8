/**
 * Issue 13, the editor's side of monitoring: monitor.drift's report drawn per column (penguins
 * against a copy with heavier birds, islands moved and the sex column emptied), and the Triggers
 * page (see triggers.e2e.test.ts for the scheduled run).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openPage, ROOT, RUN_MS, screenshot, selectNode, SHOTS } from './harness';
import { e2eSuite } from './suite';

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
    await page.getByTestId('project-button').click();
    await page.getByTestId('project-path-input').fill(join(dir, 'penguin-drift.pwproj'));
    await page.getByTestId('project-create').click();
    await page.getByTestId('project-button').filter({ hasText: 'penguin-drift.pwproj' }).waitFor();
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
    await expect(page.getByTestId('drift-summary').textContent()).resolves.toBe('No dataset drift: 2 of 6 columns drifted (33.3 %; the dataset drifts at ≥ 50 %)');
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
    await screenshot(page, 'drift-report');
    await report.screenshot({ path: join(SHOTS, 'drift-report-whole.png') });
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
