/**
 * The rules a pipeline document's own values follow (contract section 1), each with its one
 * message. The parser applies them where it reads the value (so the error points at it), and
 * validation applies them to models that did not come from text (the editor's).
 * Each returns the problem, or null when the value is fine.
 */
import { API_VERSION, NODE_ID_RE, PIPELINE_KIND, PIPELINE_NAME_RE } from './model';

export const PARAM_NAME_RE = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export function apiVersionProblem(v: string): string | null {
  if (!v) return `required (apiVersion: ${API_VERSION})`;
  return v === API_VERSION ? null : `unsupported apiVersion '${v}': this Pipewright reads ${API_VERSION}`;
}

export function kindProblem(v: string): string | null {
  if (!v) return 'required';
  return v === PIPELINE_KIND ? null : `must be ${PIPELINE_KIND}`;
}

export function pipelineNameProblem(v: string): string | null {
  if (!v) return 'required';
  return PIPELINE_NAME_RE.test(v) ? null : 'must be lowercase letters, digits and - only ([a-z0-9-]+)';
}

export function paramNameProblem(name: string): string | null {
  return PARAM_NAME_RE.test(name) ? null : 'param names start with a letter or _ and hold letters, digits, _ and - only';
}

export function nodeIdProblem(id: string): string | null {
  return NODE_ID_RE.test(id) ? null : 'node ids start with a letter and hold letters, digits, _ and - only';
}
