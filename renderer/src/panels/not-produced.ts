/**
 * Why the node's last run left its outputs empty (failed, skipped, cancelled), or null. A result
 * made stale by an edit says nothing about the outputs the edited node will give.
 */
export function notProduced(st: { status: string; reason?: string } | undefined, stale: boolean): string | null {
  if (!st || stale) return null;
  if (st.status === 'failed') return 'not produced (the node failed)';
  if (st.status === 'skipped') return `not produced (${st.reason ?? 'skipped'})`;
  if (st.status === 'cancelled') return 'not produced (the run was cancelled)';
  return null;
}
