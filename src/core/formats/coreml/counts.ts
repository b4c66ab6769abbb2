/** Counts gathered over a model (and the stages of a pipeline). */
export interface Counts {
  nodes: number;
  nodesWithSubgraphs: number;
  ops: Record<string, number>;
  weights: { count: number; bytes: number };
  parameters: number;
  bytesByDtype: Record<string, number>;
  macs: number;
  /** Layers whose MACs count but whose shapes are unknown. */
  macsUnknown: number;
}

export function emptyCounts(): Counts {
  return { nodes: 0, nodesWithSubgraphs: 0, ops: {}, weights: { count: 0, bytes: 0 }, parameters: 0, bytesByDtype: {}, macs: 0, macsUnknown: 0 };
}

export function addWeight(c: Counts, dtype: string, bytes: number, elements: number): void {
  c.weights.count++;
  c.weights.bytes += bytes;
  c.parameters += elements;
  c.bytesByDtype[dtype] = (c.bytesByDtype[dtype] ?? 0) + bytes;
}
