/**
 * The Serving page (issue 11 item 5, contract section 4b): the model servers deploy.serve keeps
 * running in the app, and the `pipewright serve` processes and other apps' servers on the projects
 * open here (through the lease each keeps in the project file), with the versions they serve, requests, req/s and p50/p99
 * latency refreshed every second while the page is open. The app's own servers have a Stop button
 * and a "try it" form that predicts one row through the server's own predict route; an external
 * one shows how to call it (and has "try it" too when it runs here on loopback without a token),
 * and is shown as stopped once its heartbeat stops or its process is gone.
 */
import { useCallback, useEffect, useState } from 'react';
import type { RunningServer, ServingAnswer, ServingInputs } from '../../../../shared/api/contract';
import { formatNumber } from '../../../../shared/format';
import { tryCall } from '../../api/client';
import './serving.css';

const ms = (v: number | null): string => (v === null ? '—' : `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`);
const numeric = (type: string): boolean => /INT|DOUBLE|FLOAT|DECIMAL|REAL|NUMERIC/i.test(type);

/** The text of a field as the value the model takes: numbers for numeric columns, blank = null. */
function toValue(text: string, type: string, nullable: boolean): unknown {
  const t = text.trim();
  if (t === '') return nullable ? null : numeric(type) ? 0 : '';
  if (/^BOOL/i.test(type)) return t === 'true';
  if (numeric(type)) return Number.isFinite(Number(t)) ? Number(t) : t;
  return text;
}

function Answer({ answer, classes }: { answer: ServingAnswer; classes: ServingInputs['classes'] }) {
  const body = answer.body as { predictions?: unknown[]; error?: unknown };
  if (answer.status !== 200 || !Array.isArray(body.predictions)) {
    return (
      <div className="pw-serving-error" data-testid="try-error">
        {answer.status}: {typeof body.error === 'string' ? body.error : JSON.stringify(answer.body).slice(0, 400)}
      </div>
    );
  }
  const p = body.predictions[0];
  if (typeof p === 'number') {
    return (
      <div className="pw-serving-answer" data-testid="try-answer">
        prediction <strong>{formatNumber(p)}</strong> <span className="pw-muted">(version {answer.version ?? '?'})</span>
      </div>
    );
  }
  const { label, scores } = p as { label: unknown; scores: Record<string, number> };
  const keys = classes.length ? classes.map(String) : Object.keys(scores);
  return (
    <div className="pw-serving-answer" data-testid="try-answer">
      label <strong data-testid="try-label">{String(label)}</strong> <span className="pw-muted">(version {answer.version ?? '?'})</span>
      <span className="pw-serving-scores">
        {keys.map((k) => (
          <span key={k} data-testid={`try-score-${k}`}>
            <span className="pw-muted">{k}</span> {scores[k] === undefined ? '—' : scores[k].toFixed(3)}
          </span>
        ))}
      </span>
    </div>
  );
}

/** The versions a server answers with: `cancer:2 champion`, one per model. */
function Models({ server }: { server: RunningServer }) {
  if (!server.models.length) return <span className="pw-muted">no models yet</span>;
  return (
    <span className="pw-serving-models" data-testid="server-models">
      {server.models.map((m) => (
        <span key={m.name} className="pw-serving-model">
          <strong>{m.name}</strong>:{m.version ?? '—'}
          {m.alias && <span className="pw-serving-alias">{m.alias}</span>}
        </span>
      ))}
    </span>
  );
}

/** An external server: how to call it (its token is never stored, so the page cannot). */
function CallIt({ server }: { server: RunningServer }) {
  const p = server.process!;
  const name = server.models[0]?.name ?? 'MODEL';
  const auth = p.auth ? ' -H "Authorization: Bearer $TOKEN"' : '';
  return (
    <section className="pw-serving-try" data-testid="call-it">
      <h3>
        {p.startedBy === 'app' ? 'another Pipewright app' : 'pipewright serve'}, process {p.pid} on {p.host}
      </h3>
      {server.state === 'stopped' ? (
        <p className="pw-serving-error" data-testid="server-why">
          Stopped: {p.why ?? 'no heartbeat'} (last heartbeat {new Date(p.heartbeatAt).toLocaleTimeString()}). It leaves this list a minute after its last heartbeat.
        </p>
      ) : (
        <>
          <p className="pw-muted">
            {p.startedBy === 'app' ? "Started by a deploy.serve node run in another Pipewright app; stop it on that app's Serving page" : `Started from a terminal${p.workers > 1 ? ` with ${p.workers} workers` : ''}; stop it there (Ctrl-C)`}. It speaks TF Serving REST (v1) and the Open Inference Protocol (v2){p.auth ? ' and needs its bearer token' : ''}:
          </p>
          <pre className="pw-serving-curl" data-testid="server-curl">
            {[`curl -s ${server.url}/v1/models/${name}/metadata${auth}`, `curl -s ${server.url}/v1/models/${name}:predict${auth} -d '{"instances": [{…}]}'`].join('\n')}
          </pre>
        </>
      )}
    </section>
  );
}

function TryIt({ server }: { server: RunningServer }) {
  const [schema, setSchema] = useState<ServingInputs | null>(null);
  const [values, setValues] = useState<Record<string, string>>({});
  const [answer, setAnswer] = useState<ServingAnswer | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    let live = true;
    setSchema(null);
    setAnswer(null);
    void tryCall('serving.inputs', { id: server.id }, `could not read the inputs of ${server.name}`).then((s) => {
      if (live && s) setSchema(s);
    });
    return () => {
      live = false;
    };
  }, [server.id, server.name, server.version]);
  if (!schema) return <div className="pw-muted">loading the model's inputs…</div>;
  const predict = async () => {
    const row: Record<string, unknown> = {};
    for (const i of schema.inputs) row[i.name] = toValue(values[i.name] ?? '', i.type, i.nullable);
    setBusy(true);
    const a = await tryCall('serving.predict', { id: server.id, row }, `could not call ${server.name}`);
    setBusy(false);
    if (a) setAnswer(a);
  };
  return (
    <section className="pw-serving-try" data-testid="try-it">
      <h3>
        Try it: {schema.name}:{schema.version} <span className="pw-muted small">({schema.task}, {schema.inputs.length} inputs)</span>
      </h3>
      <div className="pw-serving-fields">
        {schema.inputs.map((i) => (
          <label key={i.name} title={`${i.name}: ${i.type}${i.nullable ? ', blank = missing' : ''}`}>
            <span className="pw-serving-field-name">{i.name}</span>
            <input
              value={values[i.name] ?? ''}
              inputMode={numeric(i.type) ? 'decimal' : undefined}
              placeholder={i.nullable ? 'missing' : numeric(i.type) ? '0' : i.type.toLowerCase()}
              onChange={(e) => setValues((v) => ({ ...v, [i.name]: e.target.value }))}
              data-testid={`try-input-${i.name}`}
            />
          </label>
        ))}
      </div>
      <div className="pw-serving-actions">
        <button className="primary" disabled={busy} onClick={() => void predict()} data-testid="try-predict">
          Predict
        </button>
        {answer && <Answer answer={answer} classes={schema.classes} />}
      </div>
    </section>
  );
}

export default function ServingPage() {
  const [servers, setServers] = useState<RunningServer[] | null>(null);
  const [picked, setPicked] = useState<string | null>(null);
  const refresh = useCallback(async () => {
    const r = await tryCall('serving.list', {}, 'could not list the model servers');
    if (r) setServers(r.servers);
  }, []);
  useEffect(() => {
    void refresh();
    const t = setInterval(() => void refresh(), 1000);
    return () => clearInterval(t);
  }, [refresh]);
  const stop = async (id: string) => {
    await tryCall('serving.stop', { id }, 'could not stop the server');
    await refresh();
  };
  if (servers === null) return <div className="pw-muted">loading…</div>;
  if (!servers.length) {
    return (
      <div className="pw-serving-empty" data-testid="serving-empty">
        <h2>No model is being served</h2>
        <p>
          Add a <code>deploy.serve</code> node after <code>deploy.register</code> and run the pipeline: the server keeps running here while the app is open.
        </p>
        <p>
          A server started from a terminal on a project open here is listed too: <code>pipewright serve --project my.pwproj</code>
        </p>
      </div>
    );
  }
  const current = servers.find((s) => s.id === picked) ?? servers[0];
  return (
    <div className="pw-serving">
      <table className="pw-serving-table" data-testid="serving-list">
        <thead>
          <tr>
            <th>serves</th>
            <th>started by</th>
            <th>URL</th>
            <th className="num">requests</th>
            <th className="num">req/s</th>
            <th className="num">p50</th>
            <th className="num">p99</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {servers.map((s) => {
            const external = s.origin === 'external';
            // an app runs several servers in one process: its rows are told apart by port
            const testId = external ? `external-server-${s.process?.pid ?? 0}${s.process?.startedBy === 'app' ? `-${new URL(s.url).port}` : ''}` : `server-${s.name}`;
            return (
              <tr key={s.id} className={`${s.id === current.id ? 'active' : ''} ${s.state === 'stopped' ? 'stopped' : ''}`} onClick={() => setPicked(s.id)} data-testid={testId}>
                <td>
                  <Models server={s} />
                  <div className="pw-muted small pw-serving-project" title={s.project}>
                    {s.project.split(/[\\/]/).pop()}
                  </div>
                </td>
                <td data-testid="server-origin">
                  {external ? (
                    <>
                      <span title={`process ${s.process?.pid} on ${s.process?.host}`}>
                        {s.process?.startedBy === 'app' ? 'other app' : 'terminal'} · pid {s.process?.pid}
                      </span>
                      {s.state === 'stopped' && (
                        <span className="pw-serving-stopped" data-testid="server-state">
                          stopped
                        </span>
                      )}
                    </>
                  ) : (
                    'this app'
                  )}
                </td>
                <td>
                  <code data-testid="server-url">{s.url}</code>
                </td>
                <td className="num" data-testid="server-requests">
                  {s.stats.requests}
                  {s.stats.errors > 0 && <span className="pw-serving-errors"> ({s.stats.errors} failed)</span>}
                </td>
                <td className="num" data-testid="server-rps">
                  {s.stats.rps.toFixed(1)}
                </td>
                <td className="num">{ms(s.stats.p50)}</td>
                <td className="num">{ms(s.stats.p99)}</td>
                <td>
                  {!external && (
                    <button
                      onClick={(e) => {
                        e.stopPropagation();
                        void stop(s.id);
                      }}
                      data-testid={`server-stop-${s.name}`}
                    >
                      Stop
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {current.origin === 'external' && <CallIt key={`call-${current.id}`} server={current} />}
      {(current.origin === 'app' || (current.state === 'running' && current.process?.tryable)) && <TryIt key={current.id} server={current} />}
    </div>
  );
}
