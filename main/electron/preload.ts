/**
 * The only bridge between the sandboxed renderer and main: send and receive API messages on one
 * channel, and the path of a file dropped on the window (a dropped File carries none in the page).
 * Nothing else of Electron or Node is exposed (the renderer builds the typed client on it).
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';

// Repeated here rather than imported: a sandboxed preload should stay a tiny self-contained file.
const API_CHANNEL = 'pipewright:api';

contextBridge.exposeInMainWorld('pipewright', {
  send(message: unknown): void {
    ipcRenderer.send(API_CHANNEL, message);
  },
  onMessage(listener: (message: unknown) => void): () => void {
    const handler = (_event: IpcRendererEvent, message: unknown) => listener(message);
    ipcRenderer.on(API_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(API_CHANNEL, handler);
    };
  },
  pathForFile(file: File): string {
    return webUtils.getPathForFile(file);
  },
});
