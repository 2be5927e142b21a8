/** Two pipeline versions side by side in Monaco's diff editor (bundled locally, loaded with this chunk). */
import { useEffect, useRef } from 'react';
import { monaco } from '../../monaco/setup';

export default function TextDiff({ a, b, height = 420 }: { a: string; b: string; height?: number }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const ed = monaco.editor.createDiffEditor(host.current!, {
      theme: 'pipewright-dark',
      readOnly: true,
      originalEditable: false,
      renderSideBySide: true,
      minimap: { enabled: false },
      fontSize: 12,
      scrollBeyondLastLine: false,
      renderOverviewRuler: false,
    });
    const original = monaco.editor.createModel(a, 'yaml');
    const modified = monaco.editor.createModel(b, 'yaml');
    ed.setModel({ original, modified });
    const ro = new ResizeObserver(() => ed.layout());
    ro.observe(host.current!);
    const sub = ed.onDidUpdateDiff(() => host.current?.setAttribute('data-diffs', String(ed.getLineChanges()?.length ?? 0)));
    return () => {
      sub.dispose();
      ro.disconnect();
      ed.dispose();
      original.dispose();
      modified.dispose();
    };
  }, [a, b]);
  return <div ref={host} style={{ height }} className="pw-textdiff" data-testid="version-diff" />;
}
