import type { NodeTypeInfo } from '../catalog';

/** A param problem found by a node type's schema; `path` is below `params`. */
export interface ParamProblem {
  path: (string | number)[];
  message: string;
}

/**
 * What validation needs to know about node types. Built from the registry on the Node side
 * (zod schemas); the renderer asks main over the API instead.
 */
export interface NodeTypeChecker {
  info(type: string): NodeTypeInfo | undefined;
  /** Checks params whose `${params.x}` references are already resolved. */
  checkParams(type: string, params: Record<string, unknown>): ParamProblem[];
  /**
   * Optional: upgrades params written for an older version of a type (the file says `type: T@N`)
   * to the current version; a message when it cannot (a version newer than this catalogue's).
   */
  migrate?(type: string, fromVersion: number, params: Record<string, unknown>): { params: Record<string, unknown> } | { error: string };
}

/** Optional: the known type names, so an unknown type can get a "did you mean". */
export interface NodeTypeLister {
  types(): string[];
}
