/**
 * A trained model as a person reads it: what it predicts, from which columns, its shape and how
 * training went. Never the weights themselves (base64 floats say nothing); their size only.
 */
import { formatNumber } from '../../../shared/format';

interface ModelDocLike {
  format: 'pipewright-model/v1';
  trainer: string;
  task: string;
  label: string;
  features: string[];
  classes: string[] | null;
  network?: { inputs: number; hidden: number[]; activation: string; outputs: number; output: string };
  weights?: { shape: number[] }[];
  training?: { rows: number; validationRows: number; epochs: number; bestEpoch: number; stoppedEarly: boolean; finalLoss: number | null; backend: string };
}

export function asModelDoc(json: unknown): ModelDocLike | null {
  const d = json as Partial<ModelDocLike> | null;
  return d && typeof d === 'object' && d.format === 'pipewright-model/v1' && Array.isArray(d.features) ? (d as ModelDocLike) : null;
}

export function ModelCard({ doc }: { doc: ModelDocLike }) {
  const n = doc.network;
  const t = doc.training;
  const weights = (doc.weights ?? []).reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
  const rows: [string, React.ReactNode][] = [
    ['predicts', <><b>{doc.label}</b> ({doc.task}{doc.classes ? `, ${doc.classes.length} classes` : ''})</>],
    ...(doc.classes ? [['classes', doc.classes.join(', ')] as [string, React.ReactNode]] : []),
    ['trainer', <code key="t">{doc.trainer}</code>],
    ['features', <span key="f" title={doc.features.join(', ')}>{doc.features.length}: {doc.features.slice(0, 6).join(', ')}{doc.features.length > 6 ? `, … ${doc.features.length - 6} more` : ''}</span>],
    ...(n ? [['network', `${[n.inputs, ...n.hidden, n.outputs].join(' → ')}${n.hidden.length ? ` (${n.activation})` : ''}, ${n.output} output`] as [string, React.ReactNode]] : []),
    ['weights', `${weights.toLocaleString('en')} parameters`],
    ...(t
      ? ([
          ['trained on', `${t.rows.toLocaleString('en')} rows${t.validationRows ? ` (+${t.validationRows.toLocaleString('en')} validation)` : ''}, ${t.backend}`],
          ['epochs', `${t.epochs}${t.stoppedEarly ? `, stopped early; kept epoch ${t.bestEpoch}` : ''}`],
          ['final loss', t.finalLoss === null ? '–' : formatNumber(t.finalLoss)],
        ] as [string, React.ReactNode][])
      : []),
  ];
  return (
    <table className="pw-metrics pw-model-card" data-testid="model-card">
      <tbody>
        {rows.map(([k, v]) => (
          <tr key={k}>
            <td>{k}</td>
            <td>{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
