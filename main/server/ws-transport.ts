/** A `ws` socket as a shared/api Transport: one JSON text message per API message. */
import type { RawData, WebSocket } from 'ws';
import type { Transport } from '../../shared/api/transport';

export function wsTransport(socket: WebSocket): Transport {
  return {
    send(message) {
      // Events can still be pushed by a run after the page went away; those are simply dropped.
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
    },
    onMessage(listener) {
      const handle = (data: RawData, isBinary: boolean) => {
        if (isBinary) return;
        let message: unknown;
        try {
          message = JSON.parse(rawText(data));
        } catch {
          return;
        }
        listener(message);
      };
      socket.on('message', handle);
      return () => socket.off('message', handle);
    },
    close() {
      socket.close();
    },
  };
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
