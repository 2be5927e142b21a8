/**
 * The whole pipeline file, editable both ways. Graph -> YAML: the canonical text from
 * pipeline.serialize. YAML -> graph: pipeline.validate; a text that reads as a pipeline becomes the
 * document (one undo step per burst of typing), problems become markers on their lines, and a text
 * that does not read at all leaves the graph as it was.
 */
import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import { useStore } from 'zustand';
import { useSession } from '../session';
import { useEditorStore } from '../store/context';
import { call } from '../api/client';
import type { Issue } from '../../../shared/pipeline/model';
import { placeNew } from '../doc/ops';

const CodeEditor = lazy(() => import('../monaco/CodeEditor'));

export function YamlView() {
  const text = useStore(useSession, (s) => s.text);
  const store = useEditorStore();
  const [shown, setShown] = useState(text);
  const [issues, setIssues] = useState<Issue[]>([]);
  const [state, setState] = useState<'synced' | 'typing' | 'invalid'>('synced');
  const lastTyped = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => {
    // While the user is typing here, the canonical re-write of their own edit must not move the cursor.
    if (Date.now() - lastTyped.current < 1500) return;
    setShown(text);
    setIssues(useSession.getState().issues);
    setState('synced');
  }, [text]);

  const onChange = (value: string) => {
    lastTyped.current = Date.now();
    setShown(value);
    setState('typing');
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(async () => {
      try {
        const r = await call('pipeline.validate', { text: value });
        setIssues(r.errors);
        if (r.pipeline) {
          store.getState().edit('yaml', (before) => placeNew(r.pipeline!, before), 'yaml');
          useSession.setState({ issues: r.errors });
          setState(r.errors.length ? 'invalid' : 'synced');
        } else setState('invalid');
      } catch (e) {
        setIssues([{ place: 'file', message: (e as Error).message, line: 1 }]);
        setState('invalid');
      }
    }, 300);
  };

  const markers = issues.map((i) => ({ line: i.line ?? 1, column: i.column, message: `${i.place}: ${i.message}` }));

  return (
    <section className="pw-yaml" data-testid="yaml-panel">
      <header>
        <span>Pipeline YAML</span>
        <span className={`pw-yaml-state ${state}`} data-testid="yaml-state">
          {state === 'synced' ? (issues.length ? `${issues.length} problem${issues.length > 1 ? 's' : ''}` : 'in sync') : state === 'typing' ? 'reading…' : `${issues.length} problem${issues.length === 1 ? '' : 's'} — graph kept`}
        </span>
      </header>
      <Suspense fallback={<div className="pw-muted pad">Loading editor…</div>}>
        <CodeEditor value={shown} language="yaml" onChange={onChange} markers={markers} height="100%" testId="yaml-view" />
      </Suspense>
    </section>
  );
}

