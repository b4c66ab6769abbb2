/**
 * The format-neutral model description every format's reader (src/core/formats/) produces and
 * every consumer (CLI, worker, graph view) uses. It is plain JSON: no weight bytes, safe to post
 * to a webview.
 */

/** A dimension: a number, or a symbolic name such as 'batch'. */
export type Dim = number | string;

/** Quantization parameters of a tensor (TFLite tensors, or ONNX Q/DQ inputs). */
export interface QuantInfo {
  scale: number[];
  zeroPoint: number[];
  /** The per-channel axis; absent for per-tensor. */
  axis?: number;
}

export interface TensorInfo {
  name: string;
  /** Edgewise dtype name ('float32', 'int8', ...). */
  dtype: string;
  /** null when the shape is unknown. */
  shape: Dim[] | null;
  quant?: QuantInfo;
  /** Type facts beyond dtype and shape (Core ML: enumerated shapes, optional feature, description). */
  detail?: string;
}

/** A constant input of a node (an initializer, an ONNX Constant node's value, a TFLite buffer). */
export interface WeightInfo extends TensorInfo {
  bytes: number;
  elements: number;
  /** The values as display text, for a constant of at most a few elements ('0.5', '1, 2'). */
  value?: string;
}

export interface AttributeInfo {
  name: string;
  /** 'int', 'float', 'string', 'ints', 'floats', 'strings', 'tensor', 'graph', ... */
  type: string;
  /** Display text (long lists and tensors summarised). */
  value: string;
}

export interface ViewNode {
  /** Unique within its graph; the node's name when it has a unique one, else synthesised. */
  id: string;
  /** The node's own name, possibly ''. */
  name: string;
  opType: string;
  domain: string;
  /** Value names ('' for an omitted optional input). */
  inputs: string[];
  outputs: string[];
  attributes: AttributeInfo[];
  /** Inputs that are constants; they are not drawn as nodes. */
  weights: WeightInfo[];
  weightBytes: number;
  /** Multiply-accumulates per sample of a Conv/ConvTranspose/MatMul/Gemm node, when its shapes are known (ONNX main graph: formats/onnx/macs.ts). */
  macs?: number;
  /** Hierarchy path from the name scope ('/encoder/layer.0/MatMul' -> ['encoder', 'layer.0']). */
  scope: string[];
  /** If/Loop/Scan bodies and other graph attributes. */
  subgraphs: { attribute: string; graph: ViewGraph }[];
}

export interface ViewGraph {
  name: string;
  nodes: ViewNode[];
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  /** Type and shape of intermediate values, where known (for edge labels). Made by `valueRecord()`. */
  values: Record<string, TensorInfo>;
}

/**
 * An empty record keyed by names or ids from a model file, without a prototype: a value or node
 * named '__proto__' is then only a name (on a plain object it replaces the prototype, and
 * 'toString' finds a function where no entry is).
 */
export function valueRecord<T = TensorInfo>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** What `edgewise inspect --json` prints; the same fields for every format. */
export interface ModelSummary {
  file: string;
  /** Id of the format that read it (ModelFormat.id in src/core/formats/registry.ts: 'onnx', 'tflite'...). */
  format: string;
  fileBytes: number;
  /** ONNX IR version; null for formats without one. */
  irVersion: number | null;
  producer: { name: string; version: string };
  /** ONNX: {domain: version} ('' is the default domain). TFLite: {tflite: schemaVersion}. */
  opsets: Record<string, number>;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  /** Nodes in the main graph. */
  nodes: number;
  /** Nodes including every subgraph. */
  nodesWithSubgraphs: number;
  /** {opType: count} over the main graph. */
  ops: Record<string, number>;
  /** Weights stored in the model (ONNX initializers, sparse ones included in count and bytes; `sparse` of them sparse). */
  initializers: { count: number; bytes: number; sparse?: number };
  /** Elements of the stored weights (ONNX: formats/onnx/parameters.ts, the one definition). */
  parameters: number;
  /** Constant nodes of the main graph with a tensor value (some exporters keep weights there). */
  constants?: { count: number; elements: number; bytes: number };
  bytesByDtype: Record<string, number>;
  externalData: boolean;
  /**
   * Multiply-accumulates of all Conv/ConvTranspose/MatMul/Gemm nodes (symbolic dims such as
   * batch count as 1); null when some of those nodes have shapes that cannot be known.
   */
  macs: number | null;
  /** Conv/ConvTranspose/MatMul/Gemm nodes whose shapes are unknown (why `macs` is null). */
  macsUnknownNodes?: number;
  /** How `macs` was counted when the inputs have symbolic dims ('per sample: ... counted as 1'). */
  macsNote?: string;
  metadata: Record<string, string>;
  /** Core ML facts: what the file needs to run and what kind of model it is. */
  coreml?: CoreMLFacts;
}

export interface CoreMLFacts {
  /** .mlmodel file, .mlpackage folder, or compiled .mlmodelc folder (not a source model). */
  container: 'mlmodel' | 'mlpackage' | 'mlmodelc';
  specificationVersion: number;
  /** The OS releases the specification version needs, e.g. 'iOS 16, macOS 13, tvOS 16, watchOS 9 (Core ML 6)'. */
  minimumOS: string;
  /** The model type field, e.g. 'neuralNetworkClassifier', 'mlProgram', 'pipeline'. */
  modelType: string;
  isUpdatable: boolean;
  /** ML Program: the main function's opset (e.g. 'CoreML6'). */
  opset?: string;
  /** Class labels of a classifier (count, and the first few). */
  classLabels?: { count: number; first: string[] };
}

export interface WeightStats {
  min: number;
  max: number;
  mean: number;
  std: number;
  /** Fraction of elements that are exactly zero. */
  sparsity: number;
  histogram: { min: number; max: number; counts: number[] };
}

/** What the inspector shows for a selected node, fetched on demand. */
export interface NodeDetails {
  nodeId: string;
  weights: (WeightInfo & { stats: WeightStats | null })[];
  /** Activation memory at the node (graph/memory.ts); main-graph nodes only. */
  memory?: NodeMemoryDetails;
  /** Where the node was made, from its exporter's metadata (PyTorch: a stack trace), outermost call first. */
  source?: SourceFrame[];
  /** The module the node was made in, from its exporter's metadata (PyTorch: 'layers.0.attn', its class). */
  module?: { path: string; className?: string };
}

/** One frame of a stack trace: a line of a source file. */
export interface SourceFrame {
  /** As the exporter wrote it (absolute on the machine that exported, or relative). */
  file: string;
  /** 1-based. */
  line: number;
  function: string;
  /** The line's text, when the trace has it. */
  code?: string;
  /** In an installed package or the standard library ('site-packages/torch/nn/...'), not the model's own code. */
  library?: boolean;
}

/** The node's share of the graph's activation memory profile. */
export interface NodeMemoryDetails extends NodeMemory {
  /** Position in execution order (0-based) and the number of nodes. */
  index: number;
  nodes: number;
  peakBytes: number;
  peakNode: string | null;
  /** The tensors live at the peak, largest first (at most the first few; `peakTensorCount` says how many). */
  peakTensors: MemoryProfile['peakTensors'];
  peakTensorCount: number;
  symbolicDims: string[];
  unknownTensors: number;
}

export interface NodeMemory {
  id: string;
  /** Bytes of the node's outputs. */
  outputBytes: number;
  /** Bytes of every activation live while the node runs (its inputs and outputs included). */
  liveBytes: number;
}

/** Activation memory of a graph from its tensors' lifetimes (graph/memory.ts). */
export interface MemoryProfile {
  /** In execution order. */
  nodes: NodeMemory[];
  peakBytes: number;
  /** The node running at the peak (the first one when several reach it). */
  peakNode: string | null;
  /** The tensors live at the peak, largest first, with their producer ('' for a graph input). */
  peakTensors: { name: string; bytes: number; producer: string }[];
  /** Activations whose size is unknown (no shape or type): counted as 0. */
  unknownTensors: string[];
  /** Symbolic dimensions counted as 1. */
  symbolicDims: string[];
}

/** A per-node numeric layer drawn as a colour scale (weight size, latency, accuracy drop...). */
export interface Overlay {
  id: string;
  label: string;
  /** Unit for the legend ('bytes', 'ms', 'dB', 'points'). */
  unit: string;
  /** Values keyed by ViewNode.id of the main graph. */
  values: Record<string, number>;
  scale: 'linear' | 'log';
  /** When set, higher is better (colours invert). */
  higherIsBetter?: boolean;
  /** Values are categories, not amounts: each value's colour and label (a group shows its highest value). */
  categories?: OverlayCategory[];
  /** Short text drawn on a node's corner ('INT8', 'fused'), keyed like `values`. */
  badges?: Record<string, string>;
  /** Lines the inspector shows for the selected node (a diff's counterpart and figures), keyed like `values`. */
  notes?: Record<string, string[]>;
}

export interface OverlayCategory {
  value: number;
  label: string;
  /** A CSS colour. */
  colour: string;
}
