/**
 * Picks the transport to main: the Electron preload bridge when present, else a WebSocket to the
 * local server (`npm run web`) carrying the page's own `?token=`. The socket reconnects with a
 * growing delay and queues what is sent while it is down, so a server restart is survivable.
 */
import type { Transport } from '../../../shared/api/transport';

export interface PreloadBridge {
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): () => void;
  /** the desktop app only: where a file dropped on the page lies ('' for one not from the disk) */
  pathForFile?(file: File): string;
}

declare global {
  interface Window {
    pipewright?: PreloadBridge;
  }
}

export type ConnectionStatus = 'connecting' | 'open' | 'closed';

export interface StatusTransport extends Transport {
  status(): ConnectionStatus;
  onStatus(listener: (s: ConnectionStatus) => void): () => void;
}

export function createTransport(): StatusTransport {
  const bridge = typeof window !== 'undefined' ? window.pipewright : undefined;
  if (bridge) return bridgeTransport(bridge);
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const proto = location.protocol === 'https:' ? 'wss' : 'ws';
  return socketTransport(`${proto}://${location.host}/api?token=${encodeURIComponent(token)}`);
}

function bridgeTransport(bridge: PreloadBridge): StatusTransport {
  return {
    send: (m) => bridge.send(m),
    onMessage: (l) => bridge.onMessage(l),
    status: () => 'open',
    onStatus: () => () => {},
  };
}

export function socketTransport(url: string): StatusTransport {
  const listeners = new Set<(m: unknown) => void>();
  const statusListeners = new Set<(s: ConnectionStatus) => void>();
  const queue: string[] = [];
  let ws: WebSocket | null = null;
  let status: ConnectionStatus = 'connecting';
  let delay = 250;
  let closed = false;

  const setStatus = (s: ConnectionStatus) => {
    if (s === status) return;
    status = s;
    statusListeners.forEach((l) => l(s));
  };

  const connect = () => {
    if (closed) return;
    setStatus('connecting');
    const sock = new WebSocket(url);
    ws = sock;
    sock.onopen = () => {
      delay = 250;
      setStatus('open');
      while (queue.length) sock.send(queue.shift()!);
    };
    sock.onmessage = (ev) => {
      let msg: unknown;
      try {
        msg = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      listeners.forEach((l) => l(msg));
    };
    sock.onclose = () => {
      if (ws !== sock) return;
      ws = null;
      setStatus('closed');
      if (closed) return;
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 5000);
    };
  };
  connect();

  return {
    send(message) {
      const text = JSON.stringify(message);
      if (ws && ws.readyState === WebSocket.OPEN) ws.send(text);
      else queue.push(text);
    },
    onMessage(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    close() {
      closed = true;
      ws?.close();
    },
    status: () => status,
    onStatus(l) {
      statusListeners.add(l);
      return () => statusListeners.delete(l);
    },
  };
}
