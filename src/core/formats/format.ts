/**
 * The contract between one model format and the rest of Edgewise: what a format folder provides
 * (a `ModelFormat` descriptor) and what it opens (a `ModelReader`). Netron's shape: one folder per
 * format, each producing the same format-neutral view (src/core/graph/types.ts).
 *
 * To add a format, e.g. Core ML:
 * 1. Make `src/core/formats/coreml/` with the shape of `onnx/` and `tflite/`:
 *    - `reader.ts`     a class implementing ModelReader, opened from a path;
 *    - `detect.ts`     the check of the format's signature, when it has one (see `sniff`);
 *    - `view.ts`       the decoded model as a ViewGraph (node ids unique per graph);
 *    - `summary.ts`    the `edgewise inspect` facts as a ModelSummary (`format` = the descriptor's id);
 *    - `text.ts`       its text form, where one exists;
 *    - `descriptor.ts` one exported `ModelFormat`, the only thing the registry imports.
 *    A format folder imports only itself, this file, and src/core/{graph,tensor,base}
 *    (scripts/check-imports.ts fails `npm test` otherwise).
 * 2. Add the descriptor to FORMATS in `src/core/formats/registry.ts` (one line).
 * 3. Run `npm test`: test/extension/model-menus.test.ts names every package.json selector and
 *    menu `when` clause that must also list the new extensions (package.json is static).
 */
import type { ModelSummary, NodeDetails, QuantInfo, ViewGraph } from '../graph/types';
import type { PackedView } from '../graph/packed';

/** What Edgewise can do with a format besides viewing and inspecting it (every format can). */
export type FormatAction = 'bench' | 'quantize' | 'prune' | 'analyze' | 'text' | 'export' | 'train';

export interface ModelFormat {
  /** Stable id, lower case: ModelSummary.format and ModelReader.format ('onnx', 'tflite', 'coreml'). */
  readonly id: string;
  /** The name people know it by, for pickers and messages ('ONNX', 'TensorFlow Lite'). */
  readonly label: string;
  /** Lower-case extensions, with the dot, of models stored as one file ('.onnx'). */
  readonly fileExtensions: readonly string[];
  /**
   * Lower-case extensions of models stored as a folder ('.mlpackage', '.mlmodelc'). `open`
   * then receives the folder's path, and every path it reads must stay inside that folder.
   */
  readonly folderExtensions?: readonly string[];
  /**
   * True when a file's first bytes (up to HEAD_BYTES of src/core/formats/open.ts; fewer for a
   * short file) carry this format's signature. Content beats the name: a file that sniffs as
   * TFLite opens as TFLite whatever its extension. Formats without a signature (protobuf ones
   * such as ONNX and Core ML's .mlmodel) leave it out and are recognised by extension.
   */
  sniff?(head: Uint8Array): boolean;
  /**
   * Opens the model at an absolute path. A model it cannot read throws an Error whose one-line
   * message names the path and the problem (never a crash, never a hang on bad input).
   */
  open(file: string): ModelReader;
  /** The actions this format supports; the extension's menus and checks read them. */
  readonly actions: readonly FormatAction[];
  /** Why the actions it lacks are unavailable, shown to the user instead of hiding them silently. */
  readonly unavailableReason?: string;
}

/** A model opened by its format's reader: the same three questions for every format. */
export interface ModelReader {
  /** The id of the format that opened it (ModelFormat.id). */
  readonly format: string;
  summary(): ModelSummary;
  viewGraph(): ViewGraph;
  /**
   * The view graph packed for the graph view (graph/packed.ts), made without keeping the whole
   * view graph when the format can; for the rest the caller packs `viewGraph()` (packView).
   */
  packedView?(): PackedView;
  /** `graphPath` selects a subgraph: [nodeId, attribute, nodeId, attribute, ...]. */
  nodeDetails(nodeId: string, graphPath?: string[]): NodeDetails;
  /**
   * Throws when weights the model refers to are missing (an external data file absent or too
   * short), without reading them. Formats whose weights are inside the file leave it out.
   */
  checkWeights?(): void;
  /**
   * A constant of the main graph by its view name (WeightInfo.name): its elements' little-endian
   * bytes as a view over the model's bytes (never a copy), with the quantization the file records.
   * Undefined for a name that is no numeric constant. Formats that cannot read values leave it out.
   */
  weightData?(name: string): WeightData | undefined;
  /** Multiply-accumulates of each main-graph node that has them (Conv, MatMul, Gemm...), by ViewNode.id; formats that cannot count leave it out. */
  nodeMacs?(): Record<string, number>;
}

/**
 * A constant's stored values (see ModelReader.weightData). The bytes are a view into the decoded
 * file, so they may be unaligned for their type: read them through a DataView, or a typed array
 * only where `byteOffset` allows.
 */
export interface WeightData {
  /** Edgewise dtype name ('float32', 'int8', 'float16'...). */
  dtype: string;
  shape: number[];
  /** count x element size little-endian bytes. */
  bytes: Uint8Array;
  /** Scale and zero point stored with the tensor (TFLite); ONNX keeps them on DequantizeLinear's inputs. */
  quant?: QuantInfo;
}
