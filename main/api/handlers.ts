/**
 * Main's side of the API contract (shared/api/contract.ts): one handler per method, the same
 * whether the transport is Electron IPC, the localhost WebSocket or an in-memory pair.
 * Params arrive already validated by `serve` against the contract's zod schemas.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { RpcError, type Handlers } from '../../shared/api/rpc';
import type { AppInfo } from '../../shared/api/contract';
import { APP_VERSION } from '../../shared/version';
import { registry as coreRegistry, type NodeRegistry } from '../../nodes/registry';
import { configDir } from './paths';
import { RecentProjects } from './recent';

export interface ApiDeps {
  mode: AppInfo['mode'];
  registry?: NodeRegistry;
  /** where recent.json lives; default: the user's config folder (PIPEWRIGHT_HOME overrides) */
  configDir?: string;
  /** the project opened at start */
  projectPath?: string | null;
  /** a bundled example to open on first start */
  examplePath?: string | null;
}

export interface ApiHandlers extends Handlers {
  /** closes project files and engines; pending runs are cancelled */
  dispose(): Promise<void>;
}

const MAX_PIPELINE_BYTES = 5 * 1024 * 1024;

export function notAvailable(what: string): RpcError {
  return new RpcError(`${what} is not available yet`, 'unavailable');
}

export function createHandlers(deps: ApiDeps): ApiHandlers {
  const registry = deps.registry ?? coreRegistry;
  const recent = new RecentProjects(deps.configDir ?? configDir());

  return {
    'app.info': () => ({
      name: 'Pipewright',
      version: APP_VERSION,
      mode: deps.mode,
      projectPath: deps.projectPath ?? null,
      examplePath: deps.examplePath ?? null,
    }),

    'catalog.list': () => ({ nodes: registry.catalog() }),

    'file.read': ({ path }) => {
      const abs = resolve(path);
      // The API reads pipeline files only: a page that holds the token must still not be able
      // to read ~/.ssh or the project databases through it.
      if (!/\.ya?ml$/i.test(abs)) throw new RpcError(`${basename(abs)}: only .pipeline.yaml or .yaml files can be opened`, 'refused');
      let size: number;
      try {
        const st = statSync(abs);
        if (!st.isFile()) throw new RpcError(`${abs}: not a file`, 'refused');
        size = st.size;
      } catch (e) {
        if (e instanceof RpcError) throw e;
        throw new RpcError(`${abs}: no such file`, 'not_found');
      }
      if (size > MAX_PIPELINE_BYTES) throw new RpcError(`${abs}: larger than 5 MiB, not a pipeline file`, 'refused');
      return { path: abs, text: readFileSync(abs, 'utf8') };
    },

    'project.recent': () => ({ paths: recent.list() }),

    'pipeline.validate': () => {
      throw notAvailable('pipeline validation');
    },
    'pipeline.format': () => {
      throw notAvailable('pipeline formatting');
    },
    'pipeline.serialize': () => {
      throw notAvailable('pipeline serialization');
    },
    'project.open': () => {
      throw notAvailable('opening projects');
    },
    'pipeline.save': () => {
      throw notAvailable('saving pipeline versions');
    },
    'pipeline.latest': () => {
      throw notAvailable('pipeline versions');
    },
    'run.start': () => {
      throw notAvailable('running pipelines');
    },
    'run.cancel': () => {
      throw notAvailable('cancelling runs');
    },
    'run.list': () => {
      throw notAvailable('run history');
    },
    'run.get': () => {
      throw notAvailable('run history');
    },
    'artifact.preview': () => {
      throw notAvailable('artifact preview');
    },
    'artifact.json': () => {
      throw notAvailable('artifact reading');
    },

    async dispose() {},
  };
}
