/** Resolving and typing the renderer's built files, for the web server and Electron's app:// scheme. */
import { realpathSync, statSync } from 'node:fs';
import { extname, join, sep } from 'node:path';

export const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export function mimeOf(file: string): string {
  return MIME[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export function realDir(dir: string): string | null {
  try {
    return realpathSync(dir);
  } catch {
    return null;
  }
}

/**
 * Maps a URL path to a file under `root` (a real path). The resolved real path must stay inside
 * root, so neither `..`, an encoded `..`, nor a symlink can reach anything else. A client-side
 * route (no extension) gets index.html; anything else missing is null (404).
 */
export function resolveStatic(root: string, urlPath: string): { file: string } | { status: 400 | 403 | 404 } {
  let pathname: string;
  try {
    pathname = decodeURIComponent(urlPath);
  } catch {
    return { status: 400 };
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return { status: 400 };
  const segments = pathname.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..')) return { status: 403 };
  const file =
    resolveInside(root, segments.length ? join(root, ...segments) : join(root, 'index.html')) ??
    (extname(pathname) === '' ? resolveInside(root, join(root, 'index.html')) : null);
  return file ? { file } : { status: 404 };
}

function resolveInside(root: string, candidate: string): string | null {
  let real: string;
  try {
    real = realpathSync(candidate);
  } catch {
    return null;
  }
  if (real !== root && !real.startsWith(root + sep)) return null;
  try {
    return statSync(real).isFile() ? real : null;
  } catch {
    return null;
  }
}
