/**
 * A controlled Monaco editor. Outside changes replace the model's text only when it differs, and
 * as an edit (pushEditOperations) so Monaco's own cursor and undo survive the round trip.
 */
import { useEffect, useRef } from 'react';
import { monaco } from './setup';

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
    });
    editor.current = ed;
    // automaticLayout can measure before the panel has its final width (the lazy chunk's CSS, a
    // panel opening); measuring again on every size change of the host keeps it right.
    const ro = new ResizeObserver(() => ed.layout());
    ro.observe(host.current!);
    requestAnimationFrame(() => ed.layout());
    const sub = ed.onDidChangeModelContent(() => {
      if (!applying.current) changeRef.current?.(ed.getValue());
    });
    return () => {
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
    if (!ed || !model || model.getValue() === value) return;
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
        endColumn: m.column ? m.column + 1 : model.getLineMaxColumn(Math.min(m.line, model.getLineCount())),
        message: m.message,
        severity: m.severity === 'warning' ? monaco.MarkerSeverity.Warning : monaco.MarkerSeverity.Error,
      })),
    );
  }, [markers]);

  return <div ref={host} className="pw-code" style={{ height }} data-testid={testId} />;
}
