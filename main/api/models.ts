/**
 * The local API's model registry methods (models.*, shared/api/contract.ts) for the editor's
 * Models page. Alias moves and approvals are audited with via "editor" and the app's OS user;
 * an unknown model, version or alias is an RpcError `not_found` naming it.
 */
import { RpcError, type Handlers } from '../../shared/api/rpc';
import type { ProjectStore } from '../store';
import { approve, deleteAlias, listModels, RegistryError, setAlias, showModel } from '../registry/store';
import { KserveOptionError, kserveText } from '../cli/commands/export-model';

function asRpc<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof RegistryError) throw new RpcError(e.message, e.code);
    if (e instanceof KserveOptionError) throw new RpcError(`${e.flag.replace(/^--/, '')}: ${e.message}`, 'invalid_params');
    throw e;
  }
}

export function modelHandlers(project: (path: string) => ProjectStore): Pick<Handlers, 'models.list' | 'models.show' | 'models.alias' | 'models.approve' | 'models.exportKserve'> {
  const via = 'editor';
  return {
    'models.list': ({ project: path }) => ({ models: listModels(project(path)) }),
    'models.show': ({ project: path, name }) => asRpc(() => showModel(project(path), name)),
    'models.alias': ({ project: path, name, alias, version, reason }) =>
      asRpc(() => {
        const store = project(path);
        if (version === null) return { from: deleteAlias(store, name, alias, { via, reason }).from, to: null };
        return setAlias(store, name, alias, version, { via, reason });
      }),
    'models.exportKserve': ({ project: path, ref, image, storageUri, minReplicas, maxReplicas, name, namespace }) =>
      asRpc(() => {
        const { text, ref: r } = kserveText(project(path), ref, { image, storageUri, minReplicas, maxReplicas, name, namespace });
        return { text, fileName: `${r.name}-v${r.version}.kserve.yaml`, name: r.name, version: r.version };
      }),
    'models.approve': ({ project: path, name, version, reason }) => asRpc(() => ({ moved: approve(project(path), name, version, { via, reason }) })),
  };
}
