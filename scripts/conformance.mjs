// Runs the team's public conformance check (../shared/spec/conformance) from the project root.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const script = join(root, '..', 'shared', 'spec', 'conformance');
if (!existsSync(script)) {
  console.log(`conformance: ${script} not found (the team folder is not beside this checkout); skipped`);
  process.exit(0);
}
const r = spawnSync('bash', [script], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
