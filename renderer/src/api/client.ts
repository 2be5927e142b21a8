/**
 * The one API client of the page, plus the notice banner: a method main does not offer yet (the
 * engine or the project store not landed, an older server) becomes a readable message, never a crash.
 */
import { create } from 'zustand';
import { createClient, RpcError, type ApiClient } from '../../../shared/api/rpc';
import type { EventName, EventPayload, MethodName, Params, Result } from '../../../shared/api/contract';
import { createTransport, type ConnectionStatus, type StatusTransport } from './transport';

export interface Notice {
  id: number;
  level: 'error' | 'warn' | 'info';
  text: string;
  /** the pipeline it is about (see `scope` below); null: about the app, shown whatever is open */
  scope: string | null;
  /** what it reports on ('run', 'save'): a later success of the same kind settles it */
  topic?: string;
}

interface NoticeState {
  notices: Notice[];
  connection: ConnectionStatus;
  /**
   * The open pipeline (its project and name): a notice is about the pipeline open when it was
   * raised, shows only while that one is open, and is there again when the user comes back to it.
   */
  scope: string | null;
  push(level: Notice['level'], text: string, opts?: { scope?: string | null; topic?: string }): void;
  dismiss(id: number): void;
  /** What `topic` notices of `scope` reported is over (the run started, the save went through). */
  settle(topic: string, scope: string | null): void;
  setScope(scope: string | null): void;
}

/** Per pipeline, the latest notices kept; all pipelines together at most MAX_KEPT. */
const PER_SCOPE = 5;
const MAX_KEPT = 50;

let nextNotice = 1;
export const useNotices = create<NoticeState>((set) => ({
  notices: [],
  connection: 'connecting',
  scope: null,
  push(level, text, opts = {}) {
    set((s) => {
      const scope = opts.scope === undefined ? s.scope : opts.scope;
      // The same message twice is one notice: a failing autosave must not flood the bar.
      if (s.notices.some((n) => n.text === text && n.scope === scope)) return s;
      const same = s.notices.filter((n) => n.scope === scope);
      const drop = new Set(same.slice(0, Math.max(0, same.length - PER_SCOPE + 1)).map((n) => n.id));
      const kept = s.notices.filter((n) => !drop.has(n.id)).slice(-(MAX_KEPT - 1));
      return { notices: [...kept, { id: nextNotice++, level, text, scope, ...(opts.topic ? { topic: opts.topic } : {}) }] };
    });
  },
  dismiss(id) {
    set((s) => ({ notices: s.notices.filter((n) => n.id !== id) }));
  },
  settle(topic, scope) {
    set((s) => (s.notices.some((n) => n.topic === topic && n.scope === scope) ? { notices: s.notices.filter((n) => n.topic !== topic || n.scope !== scope) } : s));
  },
  setScope(scope) {
    set({ scope });
  },
}));

let transport: StatusTransport | null = null;
let client: ApiClient | null = null;

function getClient(): ApiClient {
  if (!client) {
    transport = createTransport();
    useNotices.setState({ connection: transport.status() });
    transport.onStatus((s) => useNotices.setState({ connection: s }));
    client = createClient(transport);
  }
  return client;
}

export class ApiUnavailable extends Error {}

/** Calls a method; errors are thrown as they are (callers decide how to show them). */
export async function call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
  try {
    return await getClient().call(method, params);
  } catch (e) {
    if (e instanceof RpcError && e.code === 'unknown_method') {
      throw new ApiUnavailable(`${method} is not available in this version of the app yet`);
    }
    throw e;
  }
}

/** Calls a method and shows a notice instead of throwing; resolves to null on failure. */
export async function tryCall<M extends MethodName>(method: M, params: Params<M>, what?: string): Promise<Result<M> | null> {
  try {
    return await call(method, params);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    useNotices.getState().push(e instanceof ApiUnavailable ? 'warn' : 'error', what ? `${what}: ${msg}` : msg);
    return null;
  }
}

export function onEvent<E extends EventName>(event: E, listener: (data: EventPayload<E>) => void): () => void {
  return getClient().on(event, listener);
}
