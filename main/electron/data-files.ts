/**
 * The desktop app's native open dialog for a data node's file (Browse… in the inspector). Electron
 * is handed in (main.ts passes its `dialog` and window), so the logic runs in tests with a fake.
 * What the dialog returns is checked by the API handler (main/api/data-file.ts) like a drop.
 */
import type { BrowserWindow, Dialog, OpenDialogOptions } from 'electron';

export type OpenDialog = Pick<Dialog, 'showOpenDialog'>;

export function nativeDataPicker(dialog: OpenDialog, window: () => BrowserWindow | null) {
  return async (opts: { title: string; extensions: string[] }): Promise<string | null> => {
    const win = window();
    if (!win) return null;
    const options: OpenDialogOptions = {
      title: opts.title,
      properties: ['openFile'],
      filters: [{ name: 'Data files', extensions: opts.extensions.map((e) => e.replace(/^\./, '')) }],
    };
    const r = await dialog.showOpenDialog(win, options);
    return r.canceled || r.filePaths.length === 0 ? null : r.filePaths[0];
  };
}
