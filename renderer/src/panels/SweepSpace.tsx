/**
 * A sweep's search space as a form: one row per trainer param (picked from the trainer's own
 * params), its values as a short list ("0.01, 0.1", "relu, tanh", "[32], [64, 64]").
 */
import { useEffect, useMemo, useState } from 'react';
import type { ParamValue } from '../../../shared/pipeline/model';
import { useCatalog } from '../catalog-store';
import { fieldsOf } from './schema';

type Space = Record<string, ParamValue[]>;

/** Values as typed: JSON items when they read as JSON ("[32], [64, 64]"), else comma-separated words. */
export function parseValues(text: string): ParamValue[] {
  const t = text.trim();
  if (t === '') return [];
  try {
    const v = JSON.parse(`[${t}]`) as ParamValue[];
    if (Array.isArray(v)) return v;
  } catch {
    // words such as relu, tanh
  }
  return t.split(',').map((s) => {
    const w = s.trim();
    if (w === 'true' || w === 'false') return w === 'true';
    const n = Number(w);
    return w !== '' && Number.isFinite(n) ? n : w;
  });
}

export function formatValues(values: ParamValue[]): string {
  return values.map((v) => (typeof v === 'string' && !/[,"[\]]/.test(v) ? v : JSON.stringify(v))).join(', ');
}

export function SweepSpace({ id, value, trainer, onChange }: { id: string; value: ParamValue | undefined; trainer: string | undefined; onChange(v: ParamValue | undefined): void }) {
  const info = useCatalog((s) => (trainer ? s.byType.get(trainer) : undefined));
  const params = useMemo(() => (info ? fieldsOf(info.paramsSchema).filter((f) => f.name !== 'label') : []), [info]);
  const space: Space = value && typeof value === 'object' && !Array.isArray(value) ? (value as Space) : {};
  const [rows, setRows] = useState<[string, string][]>(() => Object.entries(space).map(([k, v]) => [k, formatValues(Array.isArray(v) ? v : [v])]));
  useEffect(() => {
    const fromDoc: [string, string][] = Object.entries(space).map(([k, v]) => [k, formatValues(Array.isArray(v) ? v : [v])]);
    setRows((r) => (JSON.stringify(toSpace(r)) === JSON.stringify(space) ? r : fromDoc));
    // only the document's value resets the rows
  }, [JSON.stringify(value)]);
  const commit = (next: [string, string][]) => {
    setRows(next);
    const s = toSpace(next);
    onChange(Object.keys(s).length ? s : undefined);
  };
  const unused = params.filter((p) => !rows.some(([k]) => k === p.name));
  return (
    <div className="pw-space" data-testid={id}>
      {!trainer && <div className="pw-muted small">Choose the trainer first: its params are offered here.</div>}
      {rows.map(([k, v], i) => {
        const f = params.find((p) => p.name === k);
        return (
          <div className="row" key={i} data-testid={`${id}-row-${i}`}>
            <select className="pw-input" value={k} aria-label="param" data-testid={`${id}-param-${i}`} onChange={(e) => commit(rows.map((r, j) => (j === i ? [e.target.value, r[1]] : r)))}>
              <option value="">— param —</option>
              {k && !f && <option value={k}>{k} (not a param of {trainer})</option>}
              {params
                .filter((p) => p.name === k || !rows.some(([o]) => o === p.name))
                .map((p) => (
                  <option key={p.name} value={p.name}>
                    {p.name}
                  </option>
                ))}
            </select>
            <input
              className="pw-input"
              value={v}
              aria-label="values"
              data-testid={`${id}-values-${i}`}
              placeholder={f?.enumValues ? f.enumValues.join(', ') : f?.default !== undefined ? `e.g. ${JSON.stringify(f.default)}` : 'values, comma-separated'}
              onChange={(e) => commit(rows.map((r, j) => (j === i ? [r[0], e.target.value] : r)))}
            />
            <button onClick={() => commit(rows.filter((_, j) => j !== i))} aria-label="remove">
              ✕
            </button>
          </div>
        );
      })}
      {(unused.length > 0 || !trainer) && (
        <button className="pw-link" data-testid={`${id}-add`} onClick={() => setRows([...rows, [unused[0]?.name ?? '', '']])}>
          + add a param to sweep
        </button>
      )}
    </div>
  );
}

function toSpace(rows: [string, string][]): Space {
  const out: Space = {};
  for (const [k, v] of rows) {
    const values = parseValues(v);
    if (k !== '' && values.length) out[k] = values;
  }
  return out;
}
