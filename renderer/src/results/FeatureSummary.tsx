/**
 * What a feature-store node produced, read from its metrics (contract section 7): a view's
 * entity, event-time range, rows per entity and freshness (age of its newest event); a join's
 * share of label rows that found features, per view; a materialisation's rows read and written.
 * Shown in place of the raw metrics table for nodes whose type declares `featureStore`.
 */
import type { FeatureStoreRole } from '../../../shared/catalog';
import { formatNumber } from '../../../shared/format';

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

/** "3 d", "5 h", "12 min": how long ago, rounded to the unit people use for it. */
export function ageText(ms: number): string {
  const min = Math.max(0, ms) / 60_000;
  if (min < 1) return 'under a minute';
  if (min < 90) return `${Math.round(min)} min`;
  const h = min / 60;
  if (h < 36) return `${Math.round(h)} h`;
  const d = h / 24;
  if (d < 730) return `${Math.round(d)} d`;
  return `${formatNumber(Math.round((d / 365) * 10) / 10)} years`;
}

const pct = (share: number): string => `${formatNumber(Math.round(share * 1000) / 10)} %`;

export function FeatureSummary({ role, params, metrics, now = Date.now() }: { role: FeatureStoreRole; params: Record<string, unknown>; metrics: Record<string, number>; now?: number }) {
  if (role === 'view') {
    const entity = Array.isArray(params.entity) ? params.entity.join(', ') : String(params.entity ?? '');
    const { eventTimeMin: min, eventTimeMax: max } = metrics;
    return (
      <table className="pw-metrics pw-feature-summary" data-testid="feature-summary">
        <tbody>
          <tr><td>view</td><td>{String(params.name ?? '')}</td></tr>
          <tr><td>entity</td><td>{entity}</td></tr>
          {min !== undefined && max !== undefined && (
            <tr><td>event time</td><td>{day(min)} – {day(max)} UTC</td></tr>
          )}
          {metrics.rows !== undefined && <tr><td>rows</td><td>{formatNumber(metrics.rows)} ({formatNumber(metrics.entities ?? 0)} entities)</td></tr>}
          {metrics.rowsPerEntity !== undefined && <tr><td>rows per entity</td><td>{formatNumber(Math.round(metrics.rowsPerEntity * 10) / 10)}</td></tr>}
          {max !== undefined && <tr data-testid="feature-freshness"><td>freshness</td><td title={`newest event ${new Date(max).toISOString()}`}>newest event {ageText(now - max)} ago</td></tr>}
          {params.ttl !== undefined && <tr><td>TTL</td><td>{String(params.ttl)}</td></tr>}
        </tbody>
      </table>
    );
  }
  if (role === 'join') {
    const found = Object.entries(metrics).filter(([k]) => k.startsWith('found.'));
    return (
      <div className="pw-feature-summary" data-testid="feature-summary">
        <div className="pw-muted small">label rows that found features</div>
        {found.map(([k, share]) => (
          <div key={k} className="pw-found-row" data-view={k.slice(6)}>
            <span className="pw-found-name">{k.slice(6)}</span>
            <span className="pw-found-bar"><span style={{ width: `${Math.max(0, Math.min(1, share)) * 100}%` }} /></span>
            <span className="pw-found-pct">{pct(share)}</span>
          </div>
        ))}
      </div>
    );
  }
  return (
    <table className="pw-metrics pw-feature-summary" data-testid="feature-summary">
      <tbody>
        <tr><td>as of</td><td>{String(params.asOf ?? 'now')}</td></tr>
        {metrics.rowsRead !== undefined && <tr><td>rows read (newer than the last materialisation)</td><td>{formatNumber(metrics.rowsRead)}</td></tr>}
        {metrics.entitiesWritten !== undefined && <tr><td>entities written online</td><td>{formatNumber(metrics.entitiesWritten)}</td></tr>}
      </tbody>
    </table>
  );
}
