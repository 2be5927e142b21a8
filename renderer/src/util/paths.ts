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
