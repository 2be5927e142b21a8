import { useMemo, useState } from 'react';
import { STAGES } from '../../../shared/catalog';
import { useCatalog, STAGE_COLORS, STAGE_TITLES } from '../catalog-store';
import { matchTypes } from './palette-filter';
import { DRAG_MIME } from '../canvas/Canvas';
import { addNodeAt, freeSpotNear, viewCenter } from '../commands';

export function Palette() {
  const catalog = useCatalog((s) => s.catalog);
  const loaded = useCatalog((s) => s.loaded);
  const [q, setQ] = useState('');
  const matches = useMemo(() => matchTypes(catalog, q), [catalog, q]);

  return (
    <aside className="pw-palette" data-testid="palette">
      <input className="pw-search" placeholder="Search nodes…" value={q} onChange={(e) => setQ(e.target.value)} data-testid="palette-search" />
      {!loaded && <div className="pw-muted">Loading the catalogue…</div>}
      {STAGES.map((stage) => {
        const items = matches.filter((t) => t.stage === stage);
        if (items.length === 0) return null;
        return (
          <section key={stage} data-testid={`palette-stage-${stage}`}>
            <h3 style={{ borderColor: STAGE_COLORS[stage] }}>{STAGE_TITLES[stage]}</h3>
            {items.map((t) => (
              <div
                key={t.type}
                className={`pw-palette-item${t.available ? '' : ' unavailable'}`}
                data-testid={`palette-item-${t.type}`}
                draggable
                onDragStart={(e) => {
                  e.dataTransfer.setData(DRAG_MIME, t.type);
                  e.dataTransfer.effectAllowed = 'copy';
                }}
                role="button"
                tabIndex={0}
                onClick={() => addNodeAt(t.type, freeSpotNear(viewCenter()))}
                onKeyDown={(e) => e.key === 'Enter' && addNodeAt(t.type, freeSpotNear(viewCenter()))}
                title={`${t.type}${t.available ? '' : ' — not available yet: running it fails'}\n${t.description}`}
              >
                <span className="dot" style={{ background: STAGE_COLORS[stage] }} />
                <span className="title">{t.title}</span>
                <span className="type">{t.type}</span>
                {!t.available && <span className="pw-badge warn">soon</span>}
              </div>
            ))}
          </section>
        );
      })}
      {loaded && matches.length === 0 && <div className="pw-muted">No node type matches “{q}”.</div>}
    </aside>
  );
}
