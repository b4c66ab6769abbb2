/**
 * What a model diff finds (plain JSON: the CLI prints it, the worker sends it, the graph view
 * draws it). Nodes are named by their ViewNode.id in each model's main graph.
 */

/** How one node of A relates to B (or a node only B has). */
export type DiffStatus = 'unchanged' | 'changed' | 'added' | 'removed' | 'rewritten';

export const DIFF_STATUSES: readonly DiffStatus[] = ['unchanged', 'changed', 'rewritten', 'added', 'removed'];

/** Why a matched pair is 'rewritten'. */
export type RewriteKind =
  /** The node computes in integers on one side (Q/DQ around it, QLinearConv, int8 TFLite). */
  | 'quantized'
  /** A node of the other side was folded into it (Conv+Relu, MatMul+Add -> FULLY_CONNECTED). */
  | 'fused'
  /** The node was folded into its partner on the other side. */
  | 'fused-into'
  /** Fewer (or more) channels: a weight's shape differs along one axis. */
  | 'pruned'
  /** Another op of the same kind (MatMul -> Gemm, Conv -> ConvInteger, Reshape -> Flatten). */
  | 'op';

/** How a pair was found: by node name, by an output value's name, or by the graph's structure. */
export type MatchedBy = 'name' | 'output' | 'structure';

export interface WeightDiff {
  /** The weight's name on each side (absent when only one side has it). */
  a?: string;
  b?: string;
  shapeA?: number[];
  shapeB?: number[];
  dtypeA?: string;
  dtypeB?: string;
  /** Compared element by element (dequantized, in A's layout), when both sides have values of the same count. */
  maxAbs?: number;
  /** ||a - b|| / ||a|| (0 for identical values; Infinity when A is all zeros and B is not). */
  relL2?: number;
  /** B's layout as numpy's A.transpose(permutation), when the layouts differ (ONNX OIHW -> TFLite OHWI: [0, 2, 3, 1]). */
  permutation?: number[];
  /** B holds A's values in another order the diff could not map (equal sums and sums of squares): not a change. */
  reordered?: boolean;
  /** Why the values were not compared. */
  note?: string;
}

export interface AttributeChange {
  name: string;
  /** Display values; absent on the side without the attribute. */
  a?: string;
  b?: string;
}

export interface NodeDiff {
  status: DiffStatus;
  /** ViewNode ids: `a` for every status but 'added', `b` for every status but 'removed'. */
  a?: string;
  b?: string;
  opA?: string;
  opB?: string;
  matchedBy?: MatchedBy;
  /** 'rewritten': what happened to the node, and in words. */
  rewrites?: RewriteKind[];
  detail?: string;
  /** 'fused-into': the partner node's id on the other side (B's for an A node, A's for a B node). */
  fusedInto?: string;
  /** Quantize/Dequantize nodes of either side that belong to this node (drawn with it). */
  helpersA?: string[];
  helpersB?: string[];
  attributes?: AttributeChange[];
  weights?: WeightDiff[];
}

export interface DiffSideSummary {
  file: string;
  format: string;
  /** Nodes of the main graph, and those left once Quantize/Dequantize and Constant nodes are folded into the nodes they serve. */
  nodes: number;
  coreNodes: number;
}

export interface ModelDiff {
  a: DiffSideSummary;
  b: DiffSideSummary;
  /** A's nodes in graph order, then B's added nodes in graph order. */
  entries: NodeDiff[];
  counts: Record<DiffStatus, number>;
  /** A's core nodes (Quantize/Dequantize aside) that found a counterpart in B, and how. */
  matched: { coreA: number; matchedA: number; share: number; byName: number; byOutput: number; byStructure: number; fused: number };
  /** Weights compared element by element, their elements, and time spent on them. */
  weights: { compared: number; elements: number; ms: number };
  /** Matching options used. */
  options: { names: boolean };
  ms: number;
}
