/**
 * The worker's protocol: every request and notification between the extension host and the
 * worker process, defined once and imported by both sides. To add a request, add a namespace
 * here, a handler in src/worker/handlers/, and call it with `worker.request(XRequest.type, ...)`.
 */
import { NotificationType, RequestType } from 'vscode-jsonrpc';
import type { ModelSummary, NodeDetails, ViewGraph } from '../core/graph/types';
import type { ModelText } from '../core/onnx/text';
import type { Finding } from '../core/analysis/diagnostics';
import type { NodeFacts, OverlayData } from '../core/analysis/annotations';
import type { RecipeProblem } from '../core/recipe/validate';

/** Params of every request about one model file. */
export interface ModelParams {
  /** Absolute path of the model file. */
  file: string;
}

/** Params of a long request that reports progress: the client fills `progressToken`. */
export interface ProgressParams {
  progressToken?: string;
}

/** Sent by long requests while they run; `token` is the request's `progressToken`. */
export interface ProgressReport {
  token: string;
  message: string;
  /** 0..1 when the share of work done is known. */
  fraction?: number;
}

export interface WorkerInfo {
  pid: number;
  /** Edgewise version the worker was built from. */
  version: string;
  node: string;
  /** Files whose opened readers are cached. */
  cachedModels: string[];
}

/** Returns the worker's pid, versions and cache state; a cheap liveness check. */
export namespace WorkerInfoRequest {
  export const method = 'edgewise/workerInfo';
  export const type = new RequestType<void, WorkerInfo, void>(method);
}

/** Returns the format-neutral summary of a model (what `edgewise inspect --json` prints). */
export namespace ModelSummaryRequest {
  export const method = 'edgewise/modelSummary';
  export const type = new RequestType<ModelParams & ProgressParams, ModelSummary, void>(method);
}

/** Returns the compact view graph (names, ops, edges, shapes, sizes; no weight bytes) for the graph view. */
export namespace ViewGraphRequest {
  export const method = 'edgewise/viewGraph';
  export const type = new RequestType<ModelParams & ProgressParams, ViewGraph, void>(method);
}

export interface NodeDetailsParams extends ModelParams {
  nodeId: string;
  /** Selects a subgraph: [nodeId, attribute, nodeId, attribute, ...]; empty for the main graph. */
  graphPath?: string[];
}

/** Returns a node's weights with statistics (min/max/mean/std/sparsity/histogram), on demand. */
export namespace NodeDetailsRequest {
  export const method = 'edgewise/nodeDetails';
  export const type = new RequestType<NodeDetailsParams, NodeDetails, void>(method);
}

/** Drops the cached reader of a file (it changed on disk, or its editor closed). */
export namespace ForgetModelNotification {
  export const method = 'edgewise/forgetModel';
  export const type = new NotificationType<ModelParams>(method);
}

/** Returns the model in ONNX's textual syntax, one node per line, with each node's line. */
export namespace ModelTextRequest {
  export const method = 'edgewise/modelText';
  export const type = new RequestType<ModelParams & ProgressParams, ModelText, void>(method);
}

export interface AnalyzeParams extends ModelParams, ProgressParams {
  /** The quantized (QDQ) model made from `file`. */
  quantized: string;
  /** .npy inputs, and optionally .npy class ids. */
  data: string;
  labels?: string;
  count?: number;
  /** Warn below this SQNR (dB); default 20. */
  minSqnrDb?: number;
}

export interface AnalyzeResult {
  file: string;
  quantized: string;
  samples: number;
  metric: string;
  floatScore: number;
  quantizedScore: number;
  outputSqnrDb: number | null;
  findings: Finding[];
  /** Per-node facts (SQNR, cosine...) keyed by ViewNode.id of the float model. */
  facts: Record<string, NodeFacts>;
  overlays: OverlayData[];
  seconds: number;
}

/** Per-layer error of a quantized model against its float original, with findings and overlays. */
export namespace AnalyzeRequest {
  export const method = 'edgewise/analyze';
  export const type = new RequestType<AnalyzeParams, AnalyzeResult, void>(method);
}

export interface RecipeParams {
  /** Absolute path of the recipe file (relative paths inside it resolve from its folder). */
  file: string;
  /** The recipe's current text (the editor's, possibly unsaved). */
  text: string;
}

export interface RecipeCheck {
  problems: RecipeProblem[];
  /** The recipe's model, when it could be read. */
  model?: string;
  /** Node names of that model, for completion. */
  nodeNames: string[];
}

/** Validates a recipe against its schema and its model (unknown nodes, unreachable budgets). */
export namespace ValidateRecipeRequest {
  export const method = 'edgewise/validateRecipe';
  export const type = new RequestType<RecipeParams, RecipeCheck, void>(method);
}

/** Progress of a long request, from the worker to the client. */
export namespace ProgressNotification {
  export const method = 'edgewise/progress';
  export const type = new NotificationType<ProgressReport>(method);
}

/** JSON-RPC error code of a request that ended because it was cancelled (the LSP value). */
export const CANCELLED_CODE = -32800;
