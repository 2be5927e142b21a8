/**
 * The Triggers tab's indicator: a dot when the open project has triggers, green while this app
 * runs them ("triggers: on"), amber while the app's switch is paused. Loaded with the toolbar
 * (the page itself loads lazily); it asks for the project's triggers when the project changes,
 * when one fires, and every half minute (a pipeline file beside the project may gain some).
 */
import { useEffect, useState } from 'react';
import { useStore } from 'zustand';
import { onEvent, call } from '../../api/client';
import { useSession } from '../../session';

const REFRESH_MS = 30_000;

export function TriggersBadge() {
  const project = useStore(useSession, (s) => s.projectPath);
  const [state, setState] = useState<{ app: string; count: number } | null>(null);
  useEffect(() => {
    setState(null);
    if (!project) return;
    let live = true;
    const load = () =>
      call('triggers.list', { project, limit: 1 })
        .then((o) => live && setState({ app: o.app, count: o.triggers.length }))
        // an indicator: a project that cannot be read shows none (the page says why)
        .catch(() => live && setState(null));
    void load();
    const off = onEvent('triggers.changed', (e) => e.project === project && void load());
    const t = setInterval(() => void load(), REFRESH_MS);
    return () => {
      live = false;
      off();
      clearInterval(t);
    };
  }, [project]);
  if (!state || state.count === 0 || state.app === 'off') return null;
  const text = `triggers: ${state.app} (${state.count} trigger${state.count === 1 ? '' : 's'})`;
  return <span className={`pw-triggers-dot ${state.app}`} title={text} aria-label={text} data-testid="triggers-indicator" data-state={state.app} />;
}
