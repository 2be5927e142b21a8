/// <reference types="vite/client" />
/**
 * The editor validates as main does, message for message, without a round trip: every node type's
 * run-free params (`nodes/<stage>/<name>.params.ts`, found here at build time, so a new type needs
 * no line in this file) checked over the catalogue main sent. Main is asked only about a pipeline
 * that uses a type whose params are not in this bundle (a plugin's), or before the catalogue came.
 */
import { createCatalogChecker, type NodeParams } from '../../nodes/params';
import { loadPipeline } from '../../shared/pipeline/validate';
import type { Catalog } from '../../shared/catalog';
import type { ValidateResult } from '../../shared/api/contract';
import { call } from './api/client';
import { useCatalog } from './catalog-store';
import { basename } from './util/paths';

const modules = import.meta.glob<NodeParams>('../../nodes/*/*.params.ts', { eager: true, import: 'default' });

/** Every node type's params this bundle carries. */
export const bundledParams: readonly NodeParams[] = Object.values(modules);

let memo: { catalog: Catalog; checker: ReturnType<typeof createCatalogChecker> } | null = null;

function checkerFor(catalog: Catalog) {
  if (memo?.catalog !== catalog) memo = { catalog, checker: createCatalogChecker(catalog, bundledParams) };
  return memo.checker;
}

/** A version suffix (`T@1`) is not part of the type. */
const baseType = (type: string): string => type.replace(/@[0-9]+$/, '');

/**
 * What main's `pipeline.validate` answers for `text` over `catalog`, worked out here; null when
 * this bundle cannot (a type of the catalogue whose params it lacks).
 */
export function validateLocally(text: string, catalog: Catalog, fileName?: string): ValidateResult | null {
  const checker = checkerFor(catalog);
  const loaded = loadPipeline(text, checker, { fileName: fileName === undefined ? undefined : basename(fileName) });
  const model = loaded.pipeline ?? loaded.partial ?? null;
  if (model?.nodes.some((n) => typeof n.type === 'string' && !checker.covers(baseType(n.type)))) return null;
  return { errors: loaded.errors, pipeline: model };
}

/**
 * Parse, migrate and validate `text` (`fileName`: the file's own name, for trigger loops): here
 * when the bundle can, else by main (throws as `call` does).
 */
export async function validateText(text: string, fileName?: string): Promise<ValidateResult> {
  const { catalog, loaded } = useCatalog.getState();
  const local = loaded ? validateLocally(text, catalog, fileName) : null;
  return local ?? call('pipeline.validate', { text, ...(fileName !== undefined ? { fileName } : {}) });
}
