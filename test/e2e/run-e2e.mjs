// `npm test`'s browser step: starts the real app (`node dist/web.cjs`) on a free port with a
// throwaway PIPEWRIGHT_HOME, runs the e2e tests in Debian's Chromium against the printed URL, and
// ends with one line 'N passed, N failed'. Exits non-zero when anything failed or could not start.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const home = mkdtempSync(join(tmpdir(), 'pw-e2e-home-'));
const report = join(home, 'vitest-report.json');
// The welcome gallery counts as shown: every test file's pages share this app and start on the
// example (files.e2e.test.ts starts an app of its own for a first start).
writeFileSync(join(home, 'welcomed'), 'e2e\n');

function finish(passed, failed, code) {
  console.log(`${passed} passed, ${failed} failed`);
  rmSync(home, { recursive: true, force: true });
  process.exit(code);
}

for (const need of ['dist/web.cjs', 'dist/renderer/index.html']) {
  if (!existsSync(join(root, need))) {
    console.error(`e2e: ${need} is missing; run \`npm run build\` first`);
    finish(0, 1, 1);
  }
}

const server = spawn(process.execPath, [join(root, 'dist', 'web.cjs'), '--port', '0'], {
  cwd: root,
  env: { ...process.env, PIPEWRIGHT_HOME: home, PIPEWRIGHT_PORT: '' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let out = '';
const url = await new Promise((resolve) => {
  // generous: on a loaded machine the first start (DuckDB, the example project) takes a while
  const timer = setTimeout(() => resolve(null), 120_000);
  server.stdout.on('data', (d) => {
    out += String(d);
    const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)/.exec(out);
    if (m) {
      clearTimeout(timer);
      resolve(m[1]);
    }
  });
  server.once('exit', () => {
    clearTimeout(timer);
    resolve(null);
  });
});
if (!url) {
  console.error(`e2e: the server did not print its URL\n${out}`);
  server.kill('SIGKILL');
  finish(0, 1, 1);
}
console.log(`e2e: app at ${url.replace(/token=.*/, 'token=…')}`);

const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const r = spawnSync(
  process.execPath,
  [vitest, 'run', '--config', 'test/e2e/vitest.e2e.config.mts', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit', env: { ...process.env, PW_E2E_URL: url, PW_E2E_HOME: home } },
);

server.kill('SIGTERM');
await new Promise((r2) => {
  const t = setTimeout(() => {
    server.kill('SIGKILL');
    r2();
  }, 3000);
  server.once('exit', () => {
    clearTimeout(t);
    r2();
  });
});

let passed = 0;
let failed = 0;
try {
  const j = JSON.parse(readFileSync(report, 'utf8'));
  passed = j.numPassedTests ?? 0;
  failed = (j.numFailedTests ?? 0) + (j.numRuntimeErrorTestSuites ?? 0) + (j.numFailedTestSuites && !j.numFailedTests ? j.numFailedTestSuites : 0);
} catch {
  failed = Math.max(failed, 1);
}
finish(passed, failed, r.status === 0 && failed === 0 ? 0 : 1);
