/**
 * Electronegativity over the Electron shell, offline. Its exit code is 0 even with findings and
 * its SARIF carries no severity, so severity per rule is read from the installed tool's own
 * check sources (the highest a rule can report). Any HIGH finding fails. A deliberately insecure
 * window is scanned beside it, so this test is known to catch what it claims to catch.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rendererCsp } from '../../main/server/csp';

const root = resolve(__dirname, '..', '..');
const require_ = createRequire(join(root, 'package.json'));
const toolDir = dirname(require_.resolve('@doyensec/electronegativity/package.json'));
const electronVersion = (JSON.parse(readFileSync(join(dirname(require_.resolve('electron/package.json')), 'package.json'), 'utf8')) as { version: string }).version;
const work = mkdtempSync(join(tmpdir(), 'pw-electronegativity-'));

afterAll(() => rmSync(work, { recursive: true, force: true }));

type Severity = 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH';
const RANK: Record<Severity, number> = { INFORMATIONAL: 0, LOW: 1, MEDIUM: 2, HIGH: 3 };

function severityByRule(): Map<string, Severity> {
  const map = new Map<string, Severity>();
  for (const kind of ['AtomicChecks', 'GlobalChecks']) {
    const folder = join(toolDir, 'dist', 'finder', 'checks', kind);
    for (const file of readdirSync(folder).filter((f) => f.endsWith('.js'))) {
      const src = readFileSync(join(folder, file), 'utf8');
      const id = /this\.id = "([A-Z_]+)"/.exec(src)?.[1];
      if (!id) continue;
      const levels = [...src.matchAll(/severity\.(INFORMATIONAL|LOW|MEDIUM|HIGH)\b/g)].map((m) => m[1] as Severity);
      if (levels.length) map.set(id, levels.reduce((a, b) => (RANK[b] > RANK[a] ? b : a)));
    }
  }
  return map;
}

interface Finding {
  rule: string;
  file: string;
  line: number;
  message: string;
}

function scan(input: string, out: string): Promise<Finding[]> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      process.execPath,
      [join(toolDir, 'dist', 'index.js'), '-i', input, '-x', 'AvailableSecurityFixesGlobalCheck', '-e', electronVersion, '-o', out, '-r'],
      { cwd: root, timeout: 90_000 },
      (error) => {
        if (error) return reject(error);
        try {
          const sarif = JSON.parse(readFileSync(out, 'utf8')) as {
            runs: { results: { ruleId: string; message: { text: string }; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[];
          };
          resolvePromise(
            sarif.runs.flatMap((r) =>
              r.results.map((x) => ({
                rule: x.ruleId,
                file: x.locations[0]?.physicalLocation.artifactLocation.uri ?? '?',
                line: x.locations[0]?.physicalLocation.region.startLine ?? 0,
                message: x.message.text,
              })),
            ),
          );
        } catch (e) {
          reject(e);
        }
      },
    );
  });
}

describe('Electronegativity', () => {
  it('finds no HIGH-severity issue in main/electron (and does find them in an insecure window)', async () => {
    const insecure = join(work, 'insecure');
    mkdirSync(insecure);
    writeFileSync(
      join(insecure, 'main.js'),
      `const { BrowserWindow } = require('electron');
const w = new BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false } });
w.loadURL('https://example.com');
`,
    );
    const [ours, theirs] = await Promise.all([scan(join(root, 'main', 'electron'), join(work, 'ours.sarif')), scan(insecure, join(work, 'insecure.sarif'))]);
    const severity = severityByRule();
    expect(severity.get('CONTEXT_ISOLATION_JS_CHECK')).toBe('HIGH');
    const high = (fs: Finding[]) => fs.filter((f) => severity.get(f.rule) === 'HIGH');

    expect(high(theirs).map((f) => f.rule)).toEqual(expect.arrayContaining(['CONTEXT_ISOLATION_JS_CHECK', 'NODE_INTEGRATION_JS_CHECK']));
    expect(high(ours).map((f) => `${f.rule} ${f.file}:${f.line} ${f.message}`)).toEqual([]);
  }, 120_000);

  it('the CSP written out for Electronegativity in main.ts is the one the app uses', () => {
    const src = readFileSync(join(root, 'main', 'electron', 'main.ts'), 'utf8');
    const literal = /'Content-Security-Policy': \[\s*"([^"]+)"/.exec(src)?.[1];
    expect(literal).toBe(rendererCsp());
  });
});
