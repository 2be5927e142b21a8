/**
 * Electron IPC as a shared/api Transport: one channel, one window. Messages are accepted only
 * from that window's own top frame showing the app's own origin, so nothing else that might end
 * up in the process (a navigated frame, another window) can call the API.
 */
import { ipcMain, type IpcMainEvent, type WebContents } from 'electron';
import type { Transport } from '../../shared/api/transport';

export const API_CHANNEL = 'pipewright:api';

export function ipcTransport(contents: WebContents, appOrigin: string): Transport {
  const listeners = new Set<(message: unknown) => void>();
  const onIpc = (event: IpcMainEvent, message: unknown) => {
    if (event.sender !== contents) return;
    const frame = event.senderFrame;
    if (!frame || frame !== contents.mainFrame || !frame.url.startsWith(`${appOrigin}/`)) return;
    listeners.forEach((l) => l(message));
  };
  ipcMain.on(API_CHANNEL, onIpc);
  contents.once('destroyed', () => ipcMain.off(API_CHANNEL, onIpc));
  return {
    send(message) {
      if (!contents.isDestroyed()) contents.send(API_CHANNEL, message);
    },
    onMessage(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      ipcMain.off(API_CHANNEL, onIpc);
      listeners.clear();
    },
  };
}
