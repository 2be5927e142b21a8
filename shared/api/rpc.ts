/**
 * Request/response and events over any Transport. Messages:
 *   request  { t: 'req', id, method, params }
 *   response { t: 'res', id, result } | { t: 'res', id, error: { message, code?, issues? } }
 *   event    { t: 'evt', event, data }
 * The server validates every request's params against the contract's zod schema.
 */
import type { z } from 'zod';
import type { Transport } from './transport';
import { methods, type EventName, type EventPayload, type MethodName, type Params, type Result } from './contract';
import type { Issue } from '../pipeline/model';

export interface RpcErrorBody {
  message: string;
  code?: string;
  issues?: Issue[];
}

export class RpcError extends Error {
  constructor(message: string, readonly code = 'error', readonly issues?: Issue[]) {
    super(message);
    this.name = 'RpcError';
  }
}

type Msg =
  | { t: 'req'; id: number; method: string; params: unknown }
  | { t: 'res'; id: number; result?: unknown; error?: RpcErrorBody }
  | { t: 'evt'; event: string; data: unknown };

export interface ApiClient {
  call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>>;
  on<E extends EventName>(event: E, listener: (data: EventPayload<E>) => void): () => void;
  dispose(): void;
}

export function createClient(transport: Transport): ApiClient {
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const listeners = new Map<string, Set<(data: unknown) => void>>();
  const stop = transport.onMessage((raw) => {
    const msg = raw as Msg;
    if (msg?.t === 'res') {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (msg.error) p.reject(new RpcError(msg.error.message, msg.error.code, msg.error.issues));
      else p.resolve(msg.result);
    } else if (msg?.t === 'evt') {
      listeners.get(msg.event)?.forEach((l) => l(msg.data));
    }
  });
  return {
    call(method, params) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        transport.send({ t: 'req', id, method, params } satisfies Msg);
      });
    },
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener as (d: unknown) => void);
      return () => set!.delete(listener as (d: unknown) => void);
    },
    dispose() {
      stop();
      for (const p of pending.values()) p.reject(new RpcError('connection closed', 'closed'));
      pending.clear();
    },
  };
}

export type Handlers = { [M in MethodName]?: (params: Params<M>, conn: Connection) => Promise<Result<M>> | Result<M> };

export interface Connection {
  emit<E extends EventName>(event: E, data: EventPayload<E>): void;
}

/** Serves `handlers` on one transport; returns the connection (to push events) and a stop function. */
export function serve(transport: Transport, handlers: Handlers): { connection: Connection; stop: () => void } {
  const connection: Connection = {
    emit(event, data) {
      transport.send({ t: 'evt', event, data } satisfies Msg);
    },
  };
  const stop = transport.onMessage(async (raw) => {
    const msg = raw as Msg;
    if (msg?.t !== 'req' || typeof msg.id !== 'number' || typeof msg.method !== 'string') return;
    const reply = (body: { result?: unknown; error?: RpcErrorBody }) => transport.send({ t: 'res', id: msg.id, ...body });
    const spec = (methods as Record<string, { params: z.ZodType }>)[msg.method];
    const handler = (handlers as Record<string, ((p: unknown, c: Connection) => unknown) | undefined>)[msg.method];
    if (!spec || !handler) return reply({ error: { message: `unknown method ${msg.method}`, code: 'unknown_method' } });
    const parsed = spec.params.safeParse(msg.params);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ place: ['params', ...i.path.map(String)].join('.'), message: i.message }));
      return reply({ error: { message: `invalid params for ${msg.method}: ${issues.map((i) => `${i.place}: ${i.message}`).join('; ')}`, code: 'invalid_params', issues } });
    }
    try {
      reply({ result: await handler(parsed.data, connection) });
    } catch (e) {
      const err = e as Error & { code?: string; issues?: Issue[] };
      reply({ error: { message: err.message ?? String(e), code: err.code ?? 'error', issues: err.issues } });
    }
  });
  return { connection, stop };
}
