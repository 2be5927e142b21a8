import { lazy, Suspense, useEffect, useState } from 'react';
import type { ParamValue } from '../../../shared/pipeline/model';
import { SweepSpace } from './SweepSpace';
import { boundProblem, formatList, parseList, parseScalar, type Field } from './schema';

const CodeEditor = lazy(() => import('../monaco/CodeEditor'));

export interface ParamFieldProps {
  field: Field;
  value: ParamValue | undefined;
  onChange(v: ParamValue | undefined): void;
  errors: string[];
  /** the columns of the input tables (inferred before a run, or the last fresh result's) */
  columns: { name: string; type?: string }[];
  isColumn: boolean;
  /** values the node itself says make sense (a gate's metric names) */
  choices?: string[];
  /** what the column pickers cannot offer yet, said under the field */
  note?: string | null;
  /** a sweep's search space: edited as a form over this trainer's params */
  space?: { trainer: string | undefined };
  code?: 'javascript' | 'sql';
  /** a data file param: a Browse… button beside the field chooses the file */
  browse?: () => void;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Text the user is typing, kept until it means something other than the document's value. */
function useDraft(value: ParamValue | undefined, format: (v: ParamValue | undefined) => string, parse: (t: string) => unknown) {
  const [text, setText] = useState(() => format(value));
  useEffect(() => {
    setText((t) => (same(parse(t), value) ? t : format(value)));
    // Only the document's value drives a reset; format/parse are pure.
  }, [value]);
  return [text, setText] as const;
}

export function ParamField({ field, value, onChange, errors, columns: columnInfo, isColumn, code, choices, note, space, browse }: ParamFieldProps) {
  const columns = columnInfo.map((c) => c.name);
  const typeOf = new Map(columnInfo.map((c) => [c.name, c.type]));
  const options = isColumn && columns.length ? columns : choices?.length ? choices : null;
  const id = `param-${field.name}`;
  const placeholder = field.default !== undefined ? `default: ${JSON.stringify(field.default)}` : field.required ? 'required' : 'not set';
  let control: React.ReactNode;
  let localError: string | null = null;

  const scalarKind = field.kind === 'number' || field.kind === 'integer' ? field.kind : 'string';
  const [text, setText] = useDraft(
    value,
    (v) => (field.kind === 'list' ? formatList(v) : field.kind === 'json' || field.kind === 'record' ? (v === undefined ? '' : JSON.stringify(v)) : v === undefined ? '' : String(v)),
    (t) => (field.kind === 'list' ? (t.trim() === '' ? undefined : parseList(field.item, t)) : field.kind === 'json' || field.kind === 'record' ? tryJson(t) : parseScalar(scalarKind, t)),
  );

  if (space) {
    control = <SweepSpace id={id} value={value} trainer={space.trainer} onChange={onChange} />;
  } else if (code) {
    control = (
      <Suspense fallback={<textarea className="pw-input" value={typeof value === 'string' ? value : ''} readOnly />}>
        <CodeEditor value={typeof value === 'string' ? value : ''} language={code} onChange={(v) => onChange(v === '' ? undefined : v)} height={180} testId={id} />
      </Suspense>
    );
  } else if (field.kind === 'enum') {
    control = (
      <select className="pw-input" id={id} data-testid={id} value={value === undefined ? '' : String(value)} onChange={(e) => onChange(e.target.value === '' ? undefined : (field.enumValues!.find((x) => String(x) === e.target.value) ?? e.target.value))}>
        <option value="">{field.default !== undefined ? `default (${String(field.default)})` : '—'}</option>
        {field.enumValues!.map((v) => (
          <option key={String(v)} value={String(v)}>
            {String(v)}
          </option>
        ))}
      </select>
    );
  } else if (field.kind === 'boolean') {
    control = (
      <select className="pw-input" id={id} data-testid={id} value={value === undefined ? '' : String(value)} onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value === 'true')}>
        <option value="">{field.default !== undefined ? `default (${String(field.default)})` : '—'}</option>
        <option value="true">true</option>
        <option value="false">false</option>
      </select>
    );
  } else if (field.kind === 'string' && options) {
    // A picker, not free text: the upstream columns (or the node's own choices) are known.
    const current = typeof value === 'string' ? value : undefined;
    control = (
      <select className="pw-input" id={id} data-testid={id} value={current ?? ''} onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}>
        <option value="">{field.default !== undefined ? `default (${String(field.default)})` : isColumn ? '— choose a column —' : '— choose —'}</option>
        {current !== undefined && !options.includes(current) && <option value={current}>{current} (not in the input)</option>}
        {options.map((c) => (
          <option key={c} value={c}>
            {typeOf.get(c) ? `${c} · ${typeOf.get(c)!.toLowerCase()}` : c}
          </option>
        ))}
      </select>
    );
  } else if (field.kind === 'list' && isColumn && columns.length > 0) {
    const chosen = Array.isArray(value) ? value.map(String) : [];
    control = (
      <div className="pw-chips" data-testid={id}>
        {[...columns, ...chosen.filter((c) => !columns.includes(c))].map((c) => (
          <label key={c} className={`${chosen.includes(c) ? 'on' : ''}${columns.includes(c) ? '' : ' missing'}`} title={typeOf.get(c) ?? 'not in the input'} data-column={c}>
            <input
              type="checkbox"
              checked={chosen.includes(c)}
              onChange={(e) => {
                const next = e.target.checked ? [...chosen, c] : chosen.filter((x) => x !== c);
                onChange(next.length ? next : undefined);
              }}
            />
            {c}
          </label>
        ))}
      </div>
    );
  } else if (field.kind === 'record') {
    control = <RecordEditor id={id} value={value} numeric={field.value === 'number'} onChange={onChange} columns={columns} />;
  } else if (field.kind === 'json') {
    const parsed = tryJson(text);
    if (text.trim() !== '' && parsed === undefined) localError = 'not valid JSON';
    control = (
      <textarea
        className="pw-input mono"
        id={id}
        data-testid={id}
        rows={3}
        value={text}
        placeholder={placeholder}
        onChange={(e) => {
          setText(e.target.value);
          const v = tryJson(e.target.value);
          if (e.target.value.trim() === '') onChange(undefined);
          else if (v !== undefined) onChange(v as ParamValue);
        }}
      />
    );
  } else {
    const listId = isColumn && columns.length ? `${id}-columns` : undefined;
    if ((field.kind === 'number' || field.kind === 'integer') && text.trim() !== '') {
      const v = parseScalar(field.kind, text);
      localError = typeof v === 'number' ? boundProblem(field, v) : typeof v === 'string' && !v.startsWith('${') ? 'must be a number' : null;
    }
    control = (
      <>
        <input
          className="pw-input"
          id={id}
          data-testid={id}
          value={text}
          list={listId}
          inputMode={field.kind === 'string' ? undefined : 'decimal'}
          placeholder={placeholder}
          onChange={(e) => {
            setText(e.target.value);
            onChange(field.kind === 'list' ? (e.target.value.trim() === '' ? undefined : parseList(field.item, e.target.value)) : parseScalar(scalarKind, e.target.value));
          }}
        />
        {listId && (
          <datalist id={listId}>
            {columns.map((c) => (
              <option key={c} value={c} />
            ))}
          </datalist>
        )}
      </>
    );
  }

  if (browse) {
    control = (
      <div className="pw-file-row">
        {control}
        <button onClick={browse} title="Choose a data file" data-testid={`${id}-browse`}>
          Browse…
        </button>
      </div>
    );
  }

  const bounds =
    field.min !== undefined || field.max !== undefined
      ? `${field.min !== undefined ? `${field.min} ${field.exclusiveMin ? '<' : '≤'} ` : ''}x${field.max !== undefined ? ` ${field.exclusiveMax ? '<' : '≤'} ${field.max}` : ''}`
      : null;
  // One problem, said once: the validator's message (it names the bounds too) once it has read
  // the value; until then the field's own check of what is being typed.
  const shown = errors.length ? errors : localError ? [localError] : [];

  return (
    <div className={`pw-field${shown.length ? ' invalid' : ''}`}>
      <label htmlFor={id}>
        {field.name}
        {field.required && <span className="req">*</span>}
        {bounds && <span className="pw-muted small"> {bounds}</span>}
        {isColumn && <span className="pw-muted small"> column</span>}
      </label>
      {control}
      {field.description && <div className="pw-help">{field.description}</div>}
      {isColumn && note && <div className="pw-help pw-note" data-testid={`${id}-note`}>{note}</div>}
      {shown.map((e, i) => (
        <div key={i} className="pw-error" data-testid={`${id}-error`}>
          {e}
        </div>
      ))}
    </div>
  );
}

function tryJson(t: string): unknown {
  if (t.trim() === '') return undefined;
  try {
    return JSON.parse(t);
  } catch {
    return undefined;
  }
}

/** A record param (`types: {col: DOUBLE}`) as key/value rows; keys offer the upstream columns. */
function RecordEditor({ id, value, numeric, onChange, columns }: { id: string; value: ParamValue | undefined; numeric: boolean; onChange(v: ParamValue | undefined): void; columns: string[] }) {
  const entries = value && typeof value === 'object' && !Array.isArray(value) ? Object.entries(value) : [];
  const [draft, setDraft] = useState<[string, string][]>(() => entries.map(([k, v]) => [k, String(v)]));
  useEffect(() => {
    const fromDoc: [string, string][] = entries.map(([k, v]) => [k, String(v)]);
    setDraft((d) => (JSON.stringify(d.filter(([k]) => k !== '')) === JSON.stringify(fromDoc) ? d : fromDoc));
  }, [JSON.stringify(value)]);
  const commit = (rows: [string, string][]) => {
    setDraft(rows);
    const obj: Record<string, ParamValue> = {};
    for (const [k, v] of rows) if (k !== '') obj[k] = numeric && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
    onChange(Object.keys(obj).length ? obj : undefined);
  };
  const listId = columns.length ? `${id}-keys` : undefined;
  return (
    <div className="pw-record" data-testid={id}>
      {draft.map(([k, v], i) => (
        <div className="row" key={i}>
          <input className="pw-input" value={k} list={listId} placeholder="key" onChange={(e) => commit(draft.map((r, j) => (j === i ? [e.target.value, r[1]] : r)))} />
          <input className="pw-input" value={v} placeholder="value" onChange={(e) => commit(draft.map((r, j) => (j === i ? [r[0], e.target.value] : r)))} />
          <button onClick={() => commit(draft.filter((_, j) => j !== i))} aria-label="remove">
            ✕
          </button>
        </div>
      ))}
      <button className="pw-link" onClick={() => setDraft([...draft, ['', '']])}>
        + add
      </button>
      {listId && (
        <datalist id={listId}>
          {columns.map((c) => (
            <option key={c} value={c} />
          ))}
        </datalist>
      )}
    </div>
  );
}
