/** Path helpers for paths that main gives us (POSIX or Windows); the renderer has no `node:path`. */
export function dirname(p: string): string {
  const i = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return i <= 0 ? (i === 0 ? p.slice(0, 1) : '.') : p.slice(0, i);
}

export function basename(p: string): string {
  const i = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return p.slice(i + 1);
}

/** The CLI's default project for a pipeline file: `x.pipeline.yaml` -> `x.pwproj` beside it. */
export function defaultProjectFor(file: string): string {
  return file.replace(/(\.pipeline)?\.ya?ml$/i, '') + '.pwproj';
}

/**
 * `file` relative to the folder `fromDir`, '/'-separated (how pipeline files name data, on every
 * platform); `file` itself when the two share no root (another Windows drive).
 */
export function relativePath(fromDir: string, file: string): string {
  const split = (p: string) => p.split(/[\\/]+/).filter((s) => s !== '' && s !== '.');
  const a = split(fromDir);
  const b = split(file);
  const drive = (s: string | undefined) => (s && /^[A-Za-z]:$/.test(s) ? s.toLowerCase() : '');
  if (drive(a[0]) !== drive(b[0])) return file;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return [...a.slice(i).map(() => '..'), ...b.slice(i)].join('/') || '.';
}
