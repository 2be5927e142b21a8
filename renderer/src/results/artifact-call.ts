/**
 * Artifact reads right after a node finished: the engine files outputs into the project a moment
 * after it reports them, so a first "not in the project" is retried for a few seconds before it
 * is shown (it used to stick in the inspector after every other re-run).
 */
import { RpcError } from '../../../shared/api/rpc';
import type { MethodName, Params, Result } from '../../../shared/api/contract';
import { call } from '../api/client';

export async function callArtifact<M extends MethodName>(method: M, params: Params<M>, tries = 10): Promise<Result<M>> {
  for (let i = 1; ; i++) {
    try {
      return await call(method, params);
    } catch (e) {
      if (!(e instanceof RpcError && e.code === 'not_found') || i >= tries) throw e;
      await new Promise((r) => setTimeout(r, 150 * i));
    }
  }
}

/** What to show when an output still cannot be read: plain words, the raw message as a tooltip. */
export function artifactProblem(e: unknown): { text: string; detail: string } {
  const detail = e instanceof Error ? e.message : String(e);
  if (e instanceof RpcError && e.code === 'not_found') return { text: 'This output is not in the project (any more): run the node again to see it.', detail };
  return { text: `Could not read this output: ${detail}`, detail };
}
