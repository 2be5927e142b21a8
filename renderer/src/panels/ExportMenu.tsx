/** The toolbar's Export: the pipeline file, the same CI workflows `pipewright export` writes, or a registered model's KServe manifest. */
import { useEffect, useRef, useState } from 'react';
import type { ModelSummary } from '../../../shared/registry';
import { call, tryCall } from '../api/client';
import { download, exportDownload, exportWorkflow, openProjectPath } from '../session';
import { useDismiss } from './use-dismiss';
import '../files/files.css';

/** The runner image the Argo export defaults to (main/export/argo.ts); the KServe form starts from it. */
const RUNNER_IMAGE = 'ghcr.io/pipewright/runner:latest';

export function ExportMenu() {
  const [open, setOpen] = useState(false);
  const [kserve, setKserve] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  useDismiss(open, box, () => setOpen(false));
  useEffect(() => {
    if (!open) setKserve(false);
  }, [open]);
  const pick = (f: () => Promise<void>) => () => {
    setOpen(false);
    void f();
  };
  return (
    <div className="pw-anchor" ref={box}>
      <button onClick={() => setOpen((v) => !v)} title="Export the pipeline" data-testid="export" aria-expanded={open}>
        Export ▾
      </button>
      {open && (
        <div className="pw-popover pw-menu" data-testid="export-menu">
          <button onClick={pick(exportDownload)} data-testid="export-yaml">
            Pipeline file <span className="pw-muted">.pipeline.yaml</span>
          </button>
          <button onClick={pick(() => exportWorkflow('github-actions'))} data-testid="export-github-actions">
            GitHub Actions workflow <span className="pw-muted">runs it in CI, fails on a missed gate</span>
          </button>
          <button onClick={pick(() => exportWorkflow('argo'))} data-testid="export-argo">
            Argo Workflow <span className="pw-muted">one step per node, on Kubernetes</span>
          </button>
          <button onClick={() => setKserve((v) => !v)} data-testid="export-kserve" aria-expanded={kserve}>
            KServe InferenceService… <span className="pw-muted">serves a registered model</span>
          </button>
          {kserve && <KserveForm done={() => setOpen(false)} />}
        </div>
      )}
    </div>
  );
}

/** Which registered model, which image, where its file lies: `pipewright export-model --to kserve`'s options. */
function KserveForm({ done }: { done(): void }) {
  const project = openProjectPath();
  const [models, setModels] = useState<ModelSummary[] | null>(null);
  const [ref, setRef] = useState('');
  const [image, setImage] = useState(RUNNER_IMAGE);
  const [storageUri, setStorageUri] = useState('');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!project) return;
    void call('models.list', { project }).then(
      (r) => {
        setModels(r.models);
        const first = r.models[0];
        if (first) setRef(first.aliases.champion !== undefined ? `${first.name}@champion` : `${first.name}:${first.latest}`);
      },
      (e: Error) => setError(e.message),
    );
  }, [project]);
  if (!project) return <div className="pw-kserve pw-muted small">Open a project first: the manifest is for a model registered in it.</div>;
  if (models && models.length === 0)
    return (
      <div className="pw-kserve pw-muted small" data-testid="kserve-none">
        No registered model in this project yet: add a deploy.register node after the trainer and run it.
      </div>
    );
  const submit = async () => {
    const r = await tryCall('models.exportKserve', { project, ref, image, ...(storageUri.trim() ? { storageUri: storageUri.trim() } : {}) }, 'could not export to KServe');
    if (!r) return;
    download(r.fileName, r.text);
    done();
  };
  return (
    <div className="pw-kserve" data-testid="kserve-form">
      <label htmlFor="pw-kserve-model">Model</label>
      <select id="pw-kserve-model" className="pw-input" value={ref} onChange={(e) => setRef(e.target.value)} data-testid="kserve-model">
        {models?.flatMap((m) => [
          ...Object.entries(m.aliases).map(([alias, v]) => (
            <option key={`${m.name}@${alias}`} value={`${m.name}@${alias}`}>
              {m.name}@{alias} (version {v})
            </option>
          )),
          ...Array.from({ length: m.versions }, (_, i) => m.latest - i)
            .filter((v) => v >= 1)
            .map((v) => (
              <option key={`${m.name}:${v}`} value={`${m.name}:${v}`}>
                {m.name}:{v}
              </option>
            )),
        ])}
      </select>
      <label htmlFor="pw-kserve-image">Runner image (built from the Dockerfile)</label>
      <input id="pw-kserve-image" className="pw-input" value={image} onChange={(e) => setImage(e.target.value)} data-testid="kserve-image" />
      <label htmlFor="pw-kserve-uri">Storage URI of the model file (optional: else baked into the image)</label>
      <input id="pw-kserve-uri" className="pw-input" value={storageUri} placeholder="s3://bucket/models/name/" onChange={(e) => setStorageUri(e.target.value)} data-testid="kserve-storage-uri" />
      {error && <div className="pw-error">{error}</div>}
      <button className="primary" disabled={!ref || !image.trim()} onClick={() => void submit()} data-testid="kserve-download">
        Download InferenceService
      </button>
    </div>
  );
}
