/** Main's API handlers behind the in-memory transport (the same JSON round trip as a socket), for tests. */
import { createClient, serve, type ApiClient } from '../../shared/api/rpc';
import { createMemoryPair } from '../../shared/api/transport';
import { createHandlers, type ApiHandlers } from '../../main/api/handlers';

export interface MemoryApi {
  handlers: ApiHandlers;
  client: ApiClient;
  /** disposes the client, then the handlers (their runs, pool and open projects) */
  close(): Promise<void>;
}

export function startMemoryApi(options: Parameters<typeof createHandlers>[0]): MemoryApi {
  const handlers = createHandlers(options);
  const [a, b] = createMemoryPair();
  // attached as the web server and the desktop shell attach theirs: events for every window reach it
  const detach = handlers.attach(serve(b, handlers).connection);
  const client = createClient(a);
  return {
    handlers,
    client,
    close: async () => {
      client.dispose();
      detach();
      await handlers.dispose();
    },
  };
}
