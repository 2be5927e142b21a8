/**
 * One protocol, three transports (Electron IPC, a localhost WebSocket, an in-memory pair):
 * a transport only sends and receives JSON-safe messages; the typed client and server sit on top.
 */

export interface Transport {
  send(message: unknown): void;
  /** Returns a function that stops listening. */
  onMessage(listener: (message: unknown) => void): () => void;
  close?(): void;
}

/** Two connected ends, for tests and for running main's services in-process. */
export function createMemoryPair(): [Transport, Transport] {
  const listeners: [Set<(m: unknown) => void>, Set<(m: unknown) => void>] = [new Set(), new Set()];
  const end = (me: 0 | 1): Transport => ({
    send(message) {
      // Round-trip through JSON so tests catch payloads that would not survive a real transport.
      const copy = JSON.parse(JSON.stringify(message)) as unknown;
      queueMicrotask(() => listeners[me === 0 ? 1 : 0].forEach((l) => l(copy)));
    },
    onMessage(listener) {
      listeners[me].add(listener);
      return () => listeners[me].delete(listener);
    },
  });
  return [end(0), end(1)];
}
