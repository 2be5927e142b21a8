/**
 * Monaco, bundled by Vite (never a CDN): the core editor API, the editor worker through Vite's
 * `?worker` import, the hover and marker-navigation contributions, and the basic (Monarch)
 * languages we edit: YAML, SQL, JavaScript.
 */
import * as monaco from 'monaco-editor/editor/editor.api';
import 'monaco-editor/languages/definitions/yaml/register';
import 'monaco-editor/languages/definitions/sql/register';
import 'monaco-editor/languages/definitions/javascript/register';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
// The core API alone draws squiggles but cannot tell what they mean: hover shows a marker's
// message, and F8 / Shift+F8 (marker navigation) step through the problems.
import 'monaco-editor/editor/contrib/hover/browser/hoverContribution';
import 'monaco-editor/editor/contrib/gotoError/browser/gotoError';

declare global {
  interface Window {
    MonacoEnvironment?: { getWorker(workerId: string, label: string): Worker };
  }
}

self.MonacoEnvironment = {
  getWorker() {
    return new EditorWorker();
  },
};

monaco.editor.defineTheme('pipewright-dark', {
  base: 'vs-dark',
  inherit: true,
  rules: [],
  colors: { 'editor.background': '#14161c' },
});

export { monaco };
