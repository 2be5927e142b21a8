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
}

interface NoticeState {
  notices: Notice[];
  connection: ConnectionStatus;
  push(level: Notice['level'], text: string): void;
  dismiss(id: number): void;
}

let nextNotice = 1;
export const useNotices = create<NoticeState>((set) => ({
  notices: [],
  connection: 'connecting',
  push(level, text) {
    set((s) => {
      // The same message twice in a row is one notice: a failing autosave must not flood the bar.
      if (s.notices.some((n) => n.text === text)) return s;
      return { notices: [...s.notices.slice(-4), { id: nextNotice++, level, text }] };
    });
  },
  dismiss(id) {
    set((s) => ({ notices: s.notices.filter((n) => n.id !== id) }));
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
