/**
 * A controlled Monaco editor. Outside changes replace the model's text only when it differs, and
 * as an edit (pushEditOperations) so Monaco's own cursor and undo survive the round trip.
 *
 * The user's own typing is never written back. React renders the parent's new `value` after
 * Monaco already took the next keystrokes (fast typing, a busy machine), so a render can carry a
 * value this editor reported a moment ago that is older than the model: writing it back would
 * drop the characters typed since and move the cursor. Such a value is recognised as an echo
 * (it is in the list of values reported and not yet handed back) and skipped.
 */
import { useEffect, useRef } from 'react';
import { monaco } from './setup';
import { foldNativeScroll } from './native-scroll';

/** reported values kept for echo detection; a parent hands them back within a render or two */
const MAX_ECHOES = 32;

export interface CodeEditorProps {
  value: string;
  language: 'yaml' | 'sql' | 'javascript';
  onChange?(value: string): void;
  markers?: { line: number; column?: number; message: string; severity?: 'error' | 'warning' }[];
  height?: number | string;
  testId?: string;
  readOnly?: boolean;
}

export default function CodeEditor({ value, language, onChange, markers, height = 160, testId, readOnly }: CodeEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const changeRef = useRef(onChange);
  const applying = useRef(false);
  const echoes = useRef<string[]>([]);
  changeRef.current = onChange;

  useEffect(() => {
    const ed = monaco.editor.create(host.current!, {
      value,
      language,
      theme: 'pipewright-dark',
      minimap: { enabled: false },
      fontSize: 12,
      lineNumbers: 'on',
      scrollBeyondLastLine: false,
      tabSize: 2,
      readOnly,
      wordWrap: language === 'yaml' ? 'off' : 'on',
      renderLineHighlight: 'none',
      // hovers and suggestions may reach past the panel the editor sits in (a problem's message by
      // the YAML panel's right edge): drawn fixed, they are not cut off by its edge
      fixedOverflowWidgets: true,
    });
    editor.current = ed;
    // automaticLayout can measure before the panel has its final width (the lazy chunk's CSS, a
    // panel opening); measuring again on every size change of the host keeps it right.
    const ro = new ResizeObserver(() => ed.layout());
    ro.observe(host.current!);
    requestAnimationFrame(() => ed.layout());
    const unfold = foldNativeScroll(ed);
    const sub = ed.onDidChangeModelContent(() => {
      if (applying.current || !changeRef.current) return;
      const v = ed.getValue();
      echoes.current.push(v);
      if (echoes.current.length > MAX_ECHOES) echoes.current.shift();
      changeRef.current(v);
    });
    return () => {
      unfold();
      ro.disconnect();
      sub.dispose();
      ed.getModel()?.dispose();
      ed.dispose();
      editor.current = null;
    };
  }, []);

  useEffect(() => {
    const ed = editor.current;
    const model = ed?.getModel();
    if (!ed || !model) return;
    const echo = echoes.current.lastIndexOf(value);
    if (echo >= 0) {
      // the parent caught up to what was typed (up to this value): not an outside change
      echoes.current.splice(0, echo + 1);
      return;
    }
    echoes.current = [];
    if (model.getValue() === value) return;
    applying.current = true;
    try {
      model.pushEditOperations([], [{ range: model.getFullModelRange(), text: value }], () => null);
    } finally {
      applying.current = false;
    }
  }, [value]);

  useEffect(() => {
    const model = editor.current?.getModel();
    if (!model) return;
    monaco.editor.setModelMarkers(
      model,
      'pipewright',
      (markers ?? []).map((m) => ({
        startLineNumber: m.line,
        startColumn: m.column ?? 1,
        endLineNumber: m.line,
        // To the end of the line: a one-character range is too small to hover.
        endColumn: Math.max((m.column ?? 1) + 1, model.getLineMaxColumn(Math.min(m.line, model.getLineCount()))),
        message: m.message,
        severity: m.severity === 'warning' ? monaco.MarkerSeverity.Warning : monaco.MarkerSeverity.Error,
      })),
    );
  }, [markers]);

  // `nokey`: React Flow pans on Space and calls preventDefault on that keydown unless the key comes
  // from an input, a textarea, a contenteditable or a `.nokey` element. Monaco takes text through
  // an EditContext on a plain div (Chromium), which is none of the first three, and Chromium drops
  // the text of a keydown that was prevented: every space typed here would be lost.
  return <div ref={host} className="pw-code nokey" style={{ height }} data-testid={testId} />;
}
