/**
 * Per-node figures of a model for the graph's overlays (a file of its own: protocol.ts is at the
 * 400-line limit): activation memory from tensor lifetimes (core/graph/memory.ts) and MACs.
 */
import { RequestType } from 'vscode-jsonrpc';
import type { MemoryProfile } from '../core/graph/memory';
import type { ModelParams } from './protocol';

export interface NodeFigures {
  memory: MemoryProfile;
  /** MACs by ViewNode.id; absent for a format that cannot count them. */
  macs?: Record<string, number>;
}

/** Activation memory per node and MACs per node of the model's main graph. */
export namespace NodeFiguresRequest {
  export const method = 'edgewise/nodeFigures';
  export const type = new RequestType<ModelParams, NodeFigures, void>(method);
}
