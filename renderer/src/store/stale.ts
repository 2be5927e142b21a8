import { currentSignatures } from '../doc/signature';
import type { EditorState } from './editor-store';

/**
 * A node's shown result is stale when the document no longer computes it the same way: a param,
 * the node's type, its wiring or anything upstream changed since the run that produced it.
 */
export function isStale(s: Pick<EditorState, 'nodeStates' | 'doc'>, id: string): boolean {
  const st = s.nodeStates[id];
  if (!st?.sig || st.status === 'running' || st.status === 'queued') return false;
  const now = currentSignatures(s.doc)[id];
  return now !== undefined && now !== st.sig;
}
