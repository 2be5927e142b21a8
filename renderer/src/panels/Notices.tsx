import { useNotices } from '../api/client';

export function Notices() {
  const all = useNotices((s) => s.notices);
  const scope = useNotices((s) => s.scope);
  // Another pipeline's notices wait for it to be open again.
  const notices = all.filter((n) => n.scope === null || n.scope === scope);
  const connection = useNotices((s) => s.connection);
  const dismiss = useNotices((s) => s.dismiss);
  return (
    <div className="pw-notices">
      {connection === 'closed' && (
        <div className="pw-notice error" data-testid="banner">
          Not connected to Pipewright’s local server — retrying…
        </div>
      )}
      {notices.map((n) => (
        <div key={n.id} className={`pw-notice ${n.level}`} data-testid="banner" data-level={n.level} data-notice-scope={n.scope ?? undefined}>
          <span>{n.text}</span>
          <button onClick={() => dismiss(n.id)} aria-label="dismiss">
            ✕
          </button>
        </div>
      ))}
    </div>
  );
}
