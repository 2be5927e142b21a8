/**
 * ComfyUI's search at the cursor: double-click empty canvas (or drop a wire there), type, Enter.
 * `only`: the types offered (those that can take the dropped wire), said in the placeholder.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useCatalog, STAGE_COLORS } from '../catalog-store';
import { matchTypes } from '../panels/palette-filter';
import type { Position } from '../../../shared/pipeline/model';

export function QuickAdd({ at, onPick, onClose, only }: { at: Position; onPick(type: string): void; onClose(): void; only?: { types: { has(type: string): boolean }; label: string } }) {
  const all = useCatalog((s) => s.catalog);
  const catalog = useMemo(() => (only ? all.filter((t) => only.types.has(t.type)) : all), [all, only]);
  const [q, setQ] = useState('');
  const [active, setActive] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  const matches = useMemo(() => matchTypes(catalog, q).slice(0, 12), [catalog, q]);
  useEffect(() => input.current?.focus(), []);

  const pick = (type: string | undefined) => {
    if (type) onPick(type);
    onClose();
  };

  return (
    <div className="pw-quickadd" style={{ left: Math.max(0, Math.min(at.x, innerWidth - 310)), top: Math.max(0, Math.min(at.y, innerHeight - 340)) }} data-testid="quick-add" onDoubleClick={(e) => e.stopPropagation()}>
      <input
        ref={input}
        value={q}
        placeholder={only ? `Add a node ${only.label}…` : 'Add a node…'}
        data-testid="quick-add-input"
        onChange={(e) => {
          setQ(e.target.value);
          setActive(0);
        }}
        onBlur={() => setTimeout(onClose, 150)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') onClose();
          else if (e.key === 'Enter') pick(matches[active]?.type);
          else if (e.key === 'ArrowDown') setActive((a) => Math.min(a + 1, matches.length - 1));
          else if (e.key === 'ArrowUp') setActive((a) => Math.max(a - 1, 0));
          else return;
          e.preventDefault();
        }}
      />
      <ul>
        {matches.map((t, i) => (
          <li key={t.type} className={i === active ? 'active' : ''} onMouseDown={() => pick(t.type)} data-testid={`quick-add-item-${t.type}`}>
            <span className="dot" style={{ background: STAGE_COLORS[t.stage] }} />
            <span className="title">{t.title}</span>
            <span className="type">{t.type}</span>
          </li>
        ))}
        {matches.length === 0 && <li className="empty">{only && catalog.length === 0 ? `no node type ${only.label}` : 'no node type matches'}</li>}
      </ul>
    </div>
  );
}
