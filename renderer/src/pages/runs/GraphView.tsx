/**
 * A read-only graph (the graph diff of two runs, a lineage): its own React Flow instance and
 * store, so it never touches the editor's canvas, which stays mounted behind the page.
 */
import { useMemo, type ReactNode } from 'react';
import { Background, Controls, ReactFlow, ReactFlowProvider, type Edge, type Node } from '@xyflow/react';

export interface GraphNode {
  id: string;
  x: number;
  y: number;
  label: ReactNode;
  className?: string;
  width?: number;
}

export interface GraphEdge {
  source: string;
  target: string;
  className?: string;
}

export function GraphView({ nodes, edges, height = 420, testId, onNodeClick }: { nodes: GraphNode[]; edges: GraphEdge[]; height?: number; testId?: string; onNodeClick?: (id: string) => void }) {
  const flowNodes = useMemo<Node[]>(
    () =>
      nodes.map((n) => ({
        id: n.id,
        position: { x: n.x, y: n.y },
        data: { label: n.label },
        className: `pw-gnode ${n.className ?? ''}`,
        style: { width: n.width ?? 220 },
        draggable: false,
        connectable: false,
        sourcePosition: 'right' as never,
        targetPosition: 'left' as never,
      })),
    [nodes],
  );
  const flowEdges = useMemo<Edge[]>(() => edges.map((e, i) => ({ id: `e${i}`, source: e.source, target: e.target, className: e.className })), [edges]);
  return (
    <div className="pw-graph" style={{ height }} data-testid={testId}>
      <ReactFlowProvider>
        <ReactFlow
          nodes={flowNodes}
          edges={flowEdges}
          fitView
          minZoom={0.1}
          maxZoom={1.5}
          nodesDraggable={false}
          nodesConnectable={false}
          elementsSelectable={false}
          colorMode="dark"
          proOptions={{ hideAttribution: true }}
          onNodeClick={onNodeClick ? (_e, n) => onNodeClick(n.id) : undefined}
        >
          <Background gap={20} size={1} />
          <Controls showInteractive={false} />
        </ReactFlow>
      </ReactFlowProvider>
    </div>
  );
}
