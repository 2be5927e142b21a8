/**
 * The desktop shell: one window showing the renderer from the app's own `pipewright://app/`
 * scheme, the typed API over one IPC channel, and the app menu. Everything that computes lives
 * in main/ services shared with the web server; this file only wires Electron to them.
 *
 * Security posture (Electron's checklist): context isolation, sandbox, no Node in the renderer,
 * web security on, a strict CSP on every response, navigation and new windows denied, every
 * permission request denied, no <webview>, a single instance.
 */
import { app, BrowserWindow, dialog, Menu, protocol, session, shell, type MenuItemConstructorOptions, type WebContents } from 'electron';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { serve, type Connection } from '../../shared/api/rpc';
import type { AppCommand } from '../../shared/api/contract';
import { APP_VERSION } from '../../shared/version';
import { createHandlers, type ApiHandlers } from '../api/handlers';
import { configDir, findResourcesDir } from '../api/paths';
import { RecentProjects } from '../api/recent';
import { launchTarget, prepareWorkspace } from '../api/workspace';
import { rendererCsp } from '../server/csp';
import { mimeOf, realDir, resolveStatic } from '../server/static-files';
import { ipcTransport } from './ipc-transport';
import { nativeDataPicker } from './data-files';

const SCHEME = 'pipewright';
const APP_ORIGIN = `${SCHEME}://app`;
const DOCS_URL = 'https://github.com/pipewright/pipewright#readme';
const CSP = rendererCsp();
const isDev = !app.isPackaged;

// Must happen before `ready`: a standard, secure scheme gets an origin of its own, so 'self' in
// the CSP means the app's files only, and ES modules and workers load as they would over https.
protocol.registerSchemesAsPrivileged([{ scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

let mainWindow: BrowserWindow | null = null;
let connection: Connection | null = null;
let api: ApiHandlers | null = null;
/** A `.pwproj` or pipeline file asked for before the window could take it (argv, open-file at launch). */
let pendingOpen: string | null = fileFromArgv(process.argv);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', (_event, argv) => {
    const file = fileFromArgv(argv);
    if (file) openFile(file);
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    }
  });
  // macOS delivers double-clicked files this way, possibly before `ready`.
  app.on('open-file', (event, path) => {
    event.preventDefault();
    if (OPENABLE.test(path)) openFile(path);
  });
  app.on('web-contents-created', (_event, contents) => lockDown(contents));
  app.on('window-all-closed', () => app.quit());
  app.on('will-quit', () => {
    void api?.dispose();
  });
  app
    .whenReady()
    .then(start)
    .catch((e: unknown) => {
      dialog.showErrorBox('Pipewright could not start', e instanceof Error ? (e.stack ?? e.message) : String(e));
      app.quit();
    });
}

async function start(): Promise<void> {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  // One exception, write-only: "Copy" puts pipeline YAML on the system clipboard so it pastes
  // into another project or a text editor. Reading the clipboard stays denied (paste arrives as
  // a paste event, which needs no permission).
  ses.setPermissionCheckHandler((_contents, permission, origin) => permission === 'clipboard-sanitized-write' && origin === APP_ORIGIN);
  // The CSP also rides on every response of the app scheme (below); this covers anything else.
  // Written out (not CSP) so Electronegativity can read and judge it; a test keeps it equal to CSP.
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [
          "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ],
      },
    });
  });

  const rendererRoot = realDir(join(__dirname, '..', 'renderer'));
  protocol.handle(SCHEME, (request) => serveRenderer(rendererRoot, request.url));

  const resources = findResourcesDir(__dirname);
  const workspace = resources ? await prepareWorkspace({ resourcesDir: resources }).catch(() => null) : null;
  // The example is a convenience: if it cannot be filed, the app still opens.
  const target = launchTarget(pendingOpen, workspace, () => undefined);
  api = createHandlers({ mode: 'electron', ...target, workspaceDir: workspace?.dir ?? null, resourcesDir: resources, pickFile: nativeDataPicker(dialog, () => mainWindow) });
  pendingOpen = null;

  mainWindow = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 800,
    minHeight: 500,
    title: 'Pipewright',
    show: false,
    webPreferences: {
      preload: join(__dirname, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      // Middle-click would otherwise open links in new windows (denied anyway, but never offered).
      disableBlinkFeatures: 'Auxclick',
    },
  });
  const contents = mainWindow.webContents;
  connection = serve(ipcTransport(contents, APP_ORIGIN), api).connection;
  const detach = api.attach(connection);
  contents.once('destroyed', detach);
  mainWindow.once('ready-to-show', () => mainWindow?.show());
  mainWindow.on('closed', () => {
    mainWindow = null;
    connection = null;
  });
  buildMenu();
  await mainWindow.loadURL(`${APP_ORIGIN}/`);
}

/** Applied to every web contents the app ever creates. */
function lockDown(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

async function serveRenderer(root: string | null, url: string): Promise<Response> {
  const headers = { 'Content-Security-Policy': CSP, 'X-Content-Type-Options': 'nosniff' };
  if (!root) return new Response('The editor is not built: run `npm run build`.', { status: 404, headers });
  const { host, pathname } = new URL(url);
  if (host !== 'app') return new Response('Not Found', { status: 404, headers });
  const found = resolveStatic(root, pathname);
  if ('status' in found) return new Response('Not Found', { status: found.status, headers });
  return new Response(readFileSync(found.file), { headers: { ...headers, 'Content-Type': mimeOf(found.file) } });
}

function send(command: AppCommand): void {
  connection?.emit('app.command', command);
}

const OPENABLE = /\.(pwproj|ya?ml)$/i;

/** A project or pipeline file from the command line, a second instance or the OS. */
function openFile(path: string): void {
  const abs = resolve(path);
  if (!mainWindow) {
    pendingOpen = abs;
    return;
  }
  if (/\.pwproj$/i.test(abs)) openProject(abs);
  else send({ command: 'pipeline.open', path: abs });
}

function openProject(path: string): void {
  const abs = resolve(path);
  new RecentProjects(configDir()).add(abs);
  app.addRecentDocument(abs);
  send({ command: 'project.open', path: abs });
  buildMenu();
}

function fileFromArgv(argv: string[]): string | null {
  // argv[0] is the binary; in development argv[1] is the app folder.
  const file = argv.slice(1).find((a) => !a.startsWith('-') && OPENABLE.test(a));
  return file && existsSync(file) ? resolve(file) : null;
}

async function pick(kind: 'project' | 'pipeline', mode: 'open' | 'new'): Promise<string | null> {
  if (!mainWindow) return null;
  const filters =
    kind === 'project' ? [{ name: 'Pipewright project', extensions: ['pwproj'] }] : [{ name: 'Pipeline', extensions: ['yaml', 'yml'] }];
  if (mode === 'new') {
    const r = await dialog.showSaveDialog(mainWindow, { title: 'New project', filters, defaultPath: 'untitled.pwproj' });
    return r.canceled || !r.filePath ? null : r.filePath;
  }
  const r = await dialog.showOpenDialog(mainWindow, { properties: ['openFile'], filters });
  return r.canceled || r.filePaths.length === 0 ? null : r.filePaths[0];
}

function buildMenu(): void {
  const recent = new RecentProjects(configDir()).list();
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        {
          label: 'New Project…',
          accelerator: 'CmdOrCtrl+Shift+N',
          click: async () => {
            const path = await pick('project', 'new');
            if (path) send({ command: 'project.new', path });
          },
        },
        {
          label: 'Open Project…',
          accelerator: 'CmdOrCtrl+O',
          click: async () => {
            const path = await pick('project', 'open');
            if (path) openProject(path);
          },
        },
        {
          label: 'Open Recent',
          submenu: recent.length ? recent.map((p) => ({ label: p, click: () => openProject(p) })) : [{ label: 'No recent projects', enabled: false }],
        },
        { type: 'separator' },
        { label: 'Examples…', click: () => send({ command: 'examples.show' }) },
        {
          label: 'Open Pipeline…',
          click: async () => {
            const path = await pick('pipeline', 'open');
            if (path) send({ command: 'pipeline.open', path });
          },
        },
        {
          label: 'Import .pipeline.yaml…',
          click: async () => {
            const path = await pick('pipeline', 'open');
            if (path) send({ command: 'pipeline.import', path });
          },
        },
        { label: 'Export .pipeline.yaml…', click: () => send({ command: 'pipeline.export' }) },
        { type: 'separator' },
        // The editor saves on Ctrl/Cmd+S itself (also from the YAML view); the menu shows the key.
        { label: 'Save', accelerator: 'CmdOrCtrl+S', registerAccelerator: false, click: () => send({ command: 'save' }) },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    {
      label: 'Edit',
      // The editor has its own undo, copy-as-YAML, select-all on the canvas: its keydown handler
      // must see these keys. Off macOS, Chromium's own text editing covers fields without the
      // menu's help, so the menu only shows the keys; on macOS text fields need the menu's keys.
      submenu: [
        { role: 'undo', registerAccelerator: isMac },
        { role: 'redo', registerAccelerator: isMac },
        { type: 'separator' },
        { role: 'cut', registerAccelerator: isMac },
        { role: 'copy', registerAccelerator: isMac },
        { role: 'paste', registerAccelerator: isMac },
        { role: 'selectAll', registerAccelerator: isMac },
      ],
    },
    {
      label: 'View',
      submenu: [
        ...(isDev ? [{ role: 'reload' as const }, { role: 'toggleDevTools' as const }, { type: 'separator' as const }] : []),
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { label: 'Toggle YAML View', accelerator: 'CmdOrCtrl+Shift+Y', click: () => send({ command: 'view.toggleYaml' }) },
        { role: 'togglefullscreen' },
      ],
    },
    {
      label: 'Run',
      submenu: [
        { label: 'Run All', accelerator: 'CmdOrCtrl+Enter', click: () => send({ command: 'run.all' }) },
        { label: 'Cancel Run', accelerator: 'CmdOrCtrl+.', click: () => send({ command: 'run.cancel' }) },
      ],
    },
    {
      role: 'help',
      submenu: [
        {
          label: 'About Pipewright',
          click: () => {
            if (mainWindow) void dialog.showMessageBox(mainWindow, { type: 'info', title: 'About Pipewright', message: `Pipewright ${APP_VERSION}`, detail: 'ML pipelines as graphs.' });
          },
        },
        // A fixed https URL only: nothing from the renderer ever reaches openExternal.
        { label: 'Documentation', click: () => void shell.openExternal(DOCS_URL) },
      ],
    },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
