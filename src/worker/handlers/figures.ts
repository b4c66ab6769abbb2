import { memoryProfile } from '../../core/graph/memory';
import { NodeFiguresRequest } from '../figures-protocol';
import type { WorkerServices } from '../services';

/** Per-node memory and MACs of a model the graph view shows (the reader the view decoded). */
export function registerFiguresHandlers({ server, models }: WorkerServices): void {
  server.on(NodeFiguresRequest.type, ({ file }) => {
    const reader = models.get(file);
    return { memory: memoryProfile(reader.viewGraph()), macs: reader.nodeMacs?.() };
  });
}
