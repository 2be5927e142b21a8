/**
 * The whole pipeline file, editable both ways. Graph -> YAML: the canonical text
 * (shared/pipeline/serialize). YAML -> graph: validated here (local-validate.ts); a text that reads as a pipeline becomes the
 * document (one undo step per burst of typing), problems become markers on their lines, and a text
 * that does not read at all leaves the graph as it was.
 */
import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import { useStore } from 'zustand';
import { useSession } from '../session';
import { useEditorStore } from '../store/context';
import { validateText } from '../local-validate';
import type { Issue } from '../../../shared/pipeline/model';
import { placeNew } from '../doc/ops';

const CodeEditor = lazy(() => import('../monaco/CodeEditor'));

export function YamlView() {
  const text = useStore(useSession, (s) => s.text);
  const store = useEditorStore();
  const [shown, setShown] = useState(text);
  const [typedIssues, setIssues] = useState<Issue[]>([]);
  // In sync, the document's own problems, as they arrive (they are validated after its text is written).
  const docIssues = useStore(useSession, (s) => s.issues);
  // synced: shows the document; typing: being read; problems: read, the graph took it with its
  // problems; unread: not a pipeline at all, the graph kept its last state
  const [state, setState] = useState<'synced' | 'typing' | 'problems' | 'unread'>('synced');
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  /** numbers the validations, so only the answer for the latest text is applied */
  const asked = useRef(0);

  useEffect(() => {
    // The canonical re-write of this view's own edit is not shown: it would replace the text the
    // user is typing (and move the cursor). A change from anywhere else (graph, undo, open) is.
    if (store.getState().lastSource === 'yaml') return;
    setShown(text);
    setState('synced');
  }, [text, store]);

  const onChange = (value: string) => {
    setShown(value);
    setState('typing');
    const n = ++asked.current;
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(async () => {
      timer.current = null;
      try {
        const r = await validateText(value);
        if (n !== asked.current) return; // typed on since: that text is being read now
        setIssues(r.errors);
        if (r.pipeline) {
          store.getState().edit('yaml', (before) => placeNew(r.pipeline!, before), 'yaml');
          useSession.setState({ issues: r.errors });
          setState(r.errors.length ? 'problems' : 'synced');
        } else setState('unread');
      } catch (e) {
        if (n !== asked.current) return;
        setIssues([{ place: 'file', message: (e as Error).message, line: 1 }]);
        setState('unread');
      }
    }, 300);
  };

  const issues = state === 'synced' ? docIssues : typedIssues;
  const count = `${issues.length} problem${issues.length === 1 ? '' : 's'}`;
  const markers = issues.map((i) => ({ line: i.line ?? 1, column: i.column, message: `${i.place}: ${i.message}` }));

  return (
    <section className="pw-yaml" data-testid="yaml-panel">
      <header>
        <span>Pipeline YAML</span>
        <span className={`pw-yaml-state ${state === 'problems' || state === 'unread' || (state === 'synced' && issues.length) ? 'invalid' : state}`} data-testid="yaml-state" data-state={state}>
          {state === 'typing' ? 'reading…' : state === 'unread' ? `${count} — graph kept` : issues.length ? count : 'in sync'}
        </span>
      </header>
      <Suspense fallback={<div className="pw-muted pad">Loading editor…</div>}>
        <CodeEditor value={shown} language="yaml" onChange={onChange} markers={markers} height="100%" testId="yaml-view" />
      </Suspense>
    </section>
  );
}

