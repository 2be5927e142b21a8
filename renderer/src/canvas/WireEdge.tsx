/** A wire: a bezier forward; a backward wire (a folded layout's band wrap) goes round the nodes (wire-route.ts). */
import { memo } from 'react';
import { BaseEdge, getBezierPath, useStoreApi, type EdgeProps } from '@xyflow/react';
import { isBackward, roundedPath, wrapRoute, type Box } from './wire-route';

function WireEdgeImpl(p: EdgeProps) {
  const flow = useStoreApi();
  let path: string;
  if (!isBackward(p.sourceX, p.targetX)) {
    [path] = getBezierPath(p);
  } else {
    // The boxes as they are now: a wire is drawn again whenever its own ends move.
    const boxes: Box[] = [];
    let source: Box | null = null;
    for (const n of flow.getState().nodeLookup.values()) {
      // a group's frame is no obstacle: the nodes in it are
      if (n.type === 'pwframe') continue;
      const { x, y } = n.internals.positionAbsolute;
      const b = { x, y, width: n.measured.width ?? 220, height: n.measured.height ?? 110 };
      boxes.push(b);
      if (n.id === p.source) source = b;
    }
    path = roundedPath(wrapRoute({ x: p.sourceX, y: p.sourceY }, { x: p.targetX, y: p.targetY }, source ?? { x: p.sourceX, y: p.sourceY, width: 0, height: 0 }, boxes));
  }
  return <BaseEdge id={p.id} path={path} style={p.style} markerEnd={p.markerEnd} interactionWidth={p.interactionWidth} />;
}

export const WireEdge = memo(WireEdgeImpl);
export const edgeTypes = { wire: WireEdge };
