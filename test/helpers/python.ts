import { execFileSync } from 'node:child_process';

/**
 * A python3 that can import `module`, or null. The python3 on PATH may be a pyenv build without
 * Debian's packages (python3-sklearn, python3-yaml install into /usr/bin/python3), so try both.
 * A missing module fails at once; the long limit only matters on a loaded machine, where importing
 * scikit-learn took over 20 s and the test fell back to a reference it should not have used.
 */
export function pythonWith(module: string): string | null {
  for (const py of ['python3', '/usr/bin/python3']) {
    try {
      execFileSync(py, ['-c', `import ${module}`], { stdio: 'ignore', timeout: 120_000 });
      return py;
    } catch {
      // try the next one
    }
  }
  return null;
}

/**
 * A python3 whose `module` has a version starting with `version` (Debian 12's scipy is 1.10;
 * a pyenv python3 on PATH may carry a newer one whose KS p-values differ), or null.
 */
export function pythonWithVersion(module: string, version: string): string | null {
  for (const py of ['/usr/bin/python3', 'python3']) {
    try {
      const v = execFileSync(py, ['-c', `import ${module}; print(${module}.__version__)`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 120_000 }).trim();
      if (v === version || v.startsWith(`${version}.`)) return py;
    } catch {
      // try the next one
    }
  }
  return null;
}
