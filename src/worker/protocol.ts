/**
 * The worker's protocol: every request and notification between the extension host and the
 * worker process, defined once and imported by both sides. To add a request, add a namespace
 * here, a handler in src/worker/handlers/, and call it with `worker.request(XRequest.type, ...)`.
 */
import { NotificationType, RequestType } from 'vscode-jsonrpc';
import type { ModelSummary, NodeDetails, ViewGraph } from '../core/graph/types';

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

/** Progress of a long request, from the worker to the client. */
export namespace ProgressNotification {
  export const method = 'edgewise/progress';
  export const type = new NotificationType<ProgressReport>(method);
}

/** JSON-RPC error code of a request that ended because it was cancelled (the LSP value). */
export const CANCELLED_CODE = -32800;
