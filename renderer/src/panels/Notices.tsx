import { useNotices } from '../api/client';

export function Notices() {
  const notices = useNotices((s) => s.notices);
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
        <div key={n.id} className={`pw-notice ${n.level}`} data-testid="banner" data-level={n.level}>
          <span>{n.text}</span>
          <button onClick={() => dismiss(n.id)} aria-label="dismiss">
            ✕
          </button>
        </div>
      ))}
    </div>
  );
}
