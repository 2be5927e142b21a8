/** The toolbar's Export: the pipeline file, or the same CI workflows `pipewright export` writes. */
import { useRef, useState } from 'react';
import { exportDownload, exportWorkflow } from '../session';
import { useDismiss } from './use-dismiss';

export function ExportMenu() {
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  useDismiss(open, box, () => setOpen(false));
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
        </div>
      )}
    </div>
  );
}
