import { execFileSync } from 'node:child_process';

/**
 * A python3 that can import `module`, or null. The python3 on PATH may be a pyenv build without
 * Debian's packages (python3-sklearn, python3-yaml install into /usr/bin/python3), so try both.
 */
export function pythonWith(module: string): string | null {
  for (const py of ['python3', '/usr/bin/python3']) {
    try {
      execFileSync(py, ['-c', `import ${module}`], { stdio: 'ignore', timeout: 20_000 });
      return py;
    } catch {
      // try the next one
    }
  }
  return null;
}
