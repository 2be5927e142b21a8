/**
 * How the `models` commands and `predict` open the project and report what is missing: an
 * unknown model, version or alias is exit 2 naming it (with --json as `{ "errors": [ { place,
 * message } ] }`), a busy lock past the wait exit 1 naming the file.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { FileRefused } from '../../registry/bounded-file';
import { ModelFileError } from '../../registry/model-file';
import { RegistryError } from '../../registry/store';
import { InputError } from '../../serving/types';
import { openProject, ProjectFileError, ProjectWriteError, type ProjectStore } from '../../store/project-store';
import type { CliIO } from '../io';

export interface RegistryCommandOptions {
  project: string;
  json: boolean;
  /** opened read-only (list, show, export) */
  readonly?: boolean;
  /** where an unknown model is reported (`model`) */
  place: string;
  /** create the project file when there is none (`models register`) */
  create?: boolean;
}

export function failWith(io: CliIO, cmd: string, json: boolean, place: string, message: string, code = 2): number {
  if (json) io.stdout(`${JSON.stringify({ errors: [{ place, message }] }, null, 2)}\n`);
  else io.stderr(`pipewright ${cmd}: ${message}\n`);
  return code;
}

/** Maps the registry's, the model file's and bad input's errors to exit codes; rethrows the rest. */
export function registryFailure(io: CliIO, cmd: string, json: boolean, place: string, e: unknown): number {
  if (e instanceof RegistryError || e instanceof ModelFileError || e instanceof FileRefused) return failWith(io, cmd, json, place, e.message);
  if (e instanceof InputError) return failWith(io, cmd, json, e.column ? `columns.${e.column}` : 'input', e.message);
  if (e instanceof ProjectFileError) return failWith(io, cmd, json, 'project', e.message);
  if (e instanceof ProjectWriteError) return failWith(io, cmd, json, 'project', e.message, 1);
  throw e;
}

/** Opens the project, calls `fn`, prints its result (`toJson` shapes the --json document) and returns the exit code. */
export async function withRegistry<T>(
  io: CliIO,
  cmd: string,
  opts: RegistryCommandOptions,
  fn: (store: ProjectStore) => T | Promise<T>,
  text: (result: T) => string,
  toJson: (result: T) => unknown = (r) => r,
): Promise<number> {
  const path = resolve(io.cwd, opts.project);
  const create = opts.create === true && !existsSync(path);
  if (!existsSync(path) && !create) return failWith(io, cmd, opts.json, 'project', `${path}: no such project file`);
  let store: ProjectStore;
  try {
    store = openProject(path, { readonly: opts.readonly ?? false, create, onWait: (m) => io.stderr(`pipewright ${cmd}: ${m}\n`) });
    if (create) io.stderr(`pipewright ${cmd}: created ${path}\n`);
  } catch (e) {
    return registryFailure(io, cmd, opts.json, 'project', e);
  }
  try {
    const result = await fn(store);
    io.stdout(opts.json ? `${JSON.stringify(toJson(result), null, 2)}\n` : text(result));
    return 0;
  } catch (e) {
    return registryFailure(io, cmd, opts.json, opts.place, e);
  } finally {
    store.close();
  }
}

/** A table as aligned text columns (the last one unpadded). */
export function textTable(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]): string => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return `${[line(head), ...rows.map(line)].join('\n')}\n`;
}

/** `1` → a version number, else a usage problem naming the argument. */
export function versionArg(s: string): number | null {
  return /^[1-9][0-9]{0,8}$/.test(s) ? Number(s) : null;
}
