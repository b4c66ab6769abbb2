/**
 * The worker's protocol: every request and notification between the extension host and the worker process, defined
 * once and imported by both sides. To add a request, add a namespace here (or in a file re-exported at the end), a
 * handler in src/worker/handlers/, and call it with `worker.request(XRequest.type, ...)`. A request that runs a job takes
 * `JobParams<TheJobOptions>` (or `WireOptions<TheJobOptions>` plus its own target): the wire follows the job, never a copy.
 */
import { NotificationType, RequestType } from 'vscode-jsonrpc';
import type { ModelSummary, NodeDetails, Overlay, ViewGraph } from '../core/graph/types';
import type { JobHooks } from '../core/jobs/job';
import type { ReleaseChangeJobOptions, ReleaseInitJobOptions, ReleasePublishJobOptions, ReleaseStatusJobOptions } from '../core/jobs/release';
import type { ChannelChangeResult } from '../ota/publisher/channel';
import type { InitResult } from '../ota/publisher/init';
import type { PublishResult } from '../ota/publisher/publish';
import type { RepositoryStatus } from '../ota/publisher/status';
import type { AnalyzeJobOptions } from '../core/jobs/analyze';
import type { BenchJobOptions, BenchJobResult } from '../core/jobs/bench';
import type { PruneJobOptions, PruneJobResult } from '../core/jobs/prune';
import type { ExportJobOptions, ExportJobResult } from '../core/jobs/export';
import type { McuFitJobOptions, McuFitResult } from '../core/jobs/mcu-fit';
import type { QuantizeJobOptions, QuantizeJobResult } from '../core/jobs/quantize';
import type { Target } from '../core/runtime/targets';
import type { DeviceFacts } from '../core/runtime/types';
import type { FleetJobOptions } from '../core/jobs/devices';
import type { FleetReport } from '../core/runtime/devices/fleet';
import type { SetupReport } from '../core/runtime/devices/setup';
import type { HostKeyInfo } from '../core/runtime/devices/trust';
import type { ModelText } from '../core/formats/onnx/text';
import type { Finding } from '../core/analysis/diagnostics';
import type { NodeFacts } from '../core/analysis/annotations';
import type { RecipeProblem } from '../core/recipe/validate';
import type { TrainJobResult } from '../core/jobs/train';
import type { EpochReport, StepEvent } from '../core/runtime/train-loop';
import type { TrainRequestOptions } from '../core/jobs/train-process';
import type { SimulatedRound } from '../fl/round-report';
import type { ModelParams, ProgressParams } from './params-protocol';

/** The one rule from a job's options to the wire: all of them but the caller's hooks (signal, progress, warn). */
export type WireOptions<Options> = Omit<Options, keyof JobHooks>;

/** A request that runs a job on one model: the job's wire options, the model file and a progress token. */
export type JobParams<Options> = ModelParams & ProgressParams & WireOptions<Options>;

/** Sent by long requests while they run; `token` is the request's `progressToken`. */
export interface ProgressReport {
  token: string;
  message: string;
  /** 0..1 when the share of work done is known. */
  fraction?: number;
  /** Training requests: the steps and epochs finished since the last report (for the live chart). */
  train?: TrainProgress;
  /** Federated simulation: the round just completed (for the live chart). */
  round?: SimulatedRound;
}

export interface TrainProgress {
  steps: StepEvent[];
  epochs: EpochReport[];
}

export interface WorkerInfo {
  pid: number;
  /** Edgewise version the worker was built from. */
  version: string;
  node: string;
  /** The Node and V8 flags it was started with. */
  flags: string[];
  /** V8's flags it set itself as it started (worker/boot.ts: the tiering flags, core/base/v8-tiering.ts). */
  v8Flags: string[];
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
  session?: string; // an edit session whose current version is shown instead of the file
  /** Selects a subgraph: [nodeId, attribute, nodeId, attribute, ...]; empty for the main graph. */
  graphPath?: string[];
}

/** Returns a node's weights with statistics (min/max/mean/std/sparsity/histogram), on demand. */
export namespace NodeDetailsRequest {
  export const method = 'edgewise/nodeDetails';
  export const type = new RequestType<NodeDetailsParams, NodeDetails, void>(method);
}

/** What to measure and how; the same choices as `edgewise bench` (src/core/jobs/bench.ts). */
export type BenchmarkParams = JobParams<BenchJobOptions>;

export interface BenchmarkResponse extends Omit<BenchJobResult, 'target'> {
  /** The target's name. */
  target?: string;
  /** Per-layer ms of the first result keyed by ViewNode.id of the main graph (with profiling). */
  latencyByNode?: Record<string, number>;
}

/** Runs a benchmark (or a thread sweep) in fresh child processes; cancelling kills the running child. */
export namespace BenchmarkRequest {
  export const method = 'edgewise/benchmark';
  export const type = new RequestType<BenchmarkParams, BenchmarkResponse, void>(method);
}

/** The fleet job's options (targets as defined: the extension resolves names with TargetListRequest). */
export type FleetParams = JobParams<FleetJobOptions>;

/** Benchmarks a model on each target in turn (local, SSH devices, the emulated ARM64 device): the fleet table. */
export namespace FleetBenchmarkRequest {
  export const method = 'edgewise/benchmarkFleet';
  export const type = new RequestType<FleetParams, FleetReport, void>(method);
}

export interface TargetListParams {
  /** Targets from the settings (edgewise.targets, edgewise.benchmark.targets). */
  settings: Target[];
  /** A workspace folder whose recipe's `targets:` count too. */
  folder?: string;
}

export interface TargetListEntry {
  target: Target;
  /** 'built in', the settings, a recipe file or the user's targets file. */
  definedIn: string;
  kind: 'local' | 'ssh' | 'emulated';
}

/** Every target Edgewise knows: settings, the recipe in the folder, the user's targets file, built in. */
export namespace TargetListRequest {
  export const method = 'edgewise/targets';
  export const type = new RequestType<TargetListParams, TargetListEntry[], void>(method);
}

export interface DeviceParams extends ProgressParams {
  target: Target;
}

/** Installs Node, onnxruntime and the harness on a device (resumable; cancellable). */
export namespace DeviceSetupRequest {
  export const method = 'edgewise/deviceSetup';
  export const type = new RequestType<DeviceParams, SetupReport, void>(method);
}

/** What a set-up device is (CPU, cores, memory, OS, Node, onnxruntime). */
export namespace DeviceInfoRequest {
  export const method = 'edgewise/deviceInfo';
  export const type = new RequestType<DeviceParams, DeviceFacts, void>(method);
}

/** The SSH host key a device offers now, and whether known_hosts knows it. */
export namespace DeviceHostKeyRequest {
  export const method = 'edgewise/deviceHostKey';
  export const type = new RequestType<DeviceParams, HostKeyInfo, void>(method);
}

export interface DeviceTrustParams extends DeviceParams {
  /** The fingerprint the user accepted; another key is refused. */
  fingerprint: string;
  /** Replace a different known key (the device was reinstalled). */
  replace?: boolean;
}

/** Adds the device's host key to known_hosts. */
export namespace DeviceTrustRequest {
  export const method = 'edgewise/deviceTrust';
  export const type = new RequestType<DeviceTrustParams, HostKeyInfo, void>(method);
}

/** How to quantize; the same choices as `edgewise quantize` (src/core/jobs/quantize.ts). */
export type QuantizeParams = JobParams<QuantizeJobOptions>;

/** Quantizes a model file, writes the result (no partial file on failure or cancel) and returns the report. */
export namespace QuantizeRequest {
  export const method = 'edgewise/quantize';
  export const type = new RequestType<QuantizeParams, QuantizeJobResult, void>(method);
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

/** What to analyze; the same choices as `edgewise analyze` (src/core/jobs/analyze.ts); `file` is the float model. */
export type AnalyzeParams = JobParams<AnalyzeJobOptions>;

/** Whole-model figures of the latency part of an analysis (per-layer ones are in the facts). */
export interface AnalyzeLatency {
  /** Median wall time of a profiled run, ms. */
  floatMs: number;
  quantizedMs: number;
  /** Median of the timed (unprofiled) runs, ms. */
  floatP50Ms: number;
  quantizedP50Ms: number;
  /** Layers timed in both models, those where INT8 is slower beyond the run-to-run noise, and those within it (analysis/noise.ts). */
  timedLayers: number;
  slowerLayers: number;
  noiseLayers: number;
  runs: number;
  seconds: number;
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
  overlays: Overlay[];
  /** With `latency`. */
  latency?: AnalyzeLatency;
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

/** What to prune and how; the same choices as `edgewise prune` (see src/core/jobs/prune.ts). */
export type PruneParams = JobParams<PruneJobOptions>;

export interface PruneResult extends PruneJobResult {
  /** Channel pruning: channels kept per layer of the written model, keyed by its ViewNode ids (for an overlay). */
  channelsKept?: Record<string, number>;
}

/** Prunes a model (magnitude or channel), writes `<model>.pruned.onnx` and returns the report. */
export namespace PruneRequest {
  export const method = 'edgewise/prune';
  export const type = new RequestType<PruneParams, PruneResult, void>(method);
}

export type ExportParams = JobParams<ExportJobOptions>;

/** Exports an ONNX model to TFLite, writes it atomically, checks it in TFLite's interpreter and returns the report. */
export namespace ExportRequest {
  export const method = 'edgewise/export';
  export const type = new RequestType<ExportParams, ExportJobResult, void>(method);
}

/** Which target's budgets to check; the same choices as `edgewise inspect --mcu` and `bench --target` (src/core/jobs/mcu-fit.ts). */
export type McuFitParams = JobParams<McuFitJobOptions>;

/** Flash and TFLite Micro arena of a .tflite, with findings for the Problems panel. */
export namespace McuFitRequest {
  export const method = 'edgewise/mcuFit';
  export const type = new RequestType<McuFitParams, McuFitResult, void>(method);
}

/** Params of every request about a release repository: its folder. */
export interface RepoParams {
  repo: string;
}

/** Channels, releases, rollout and metadata expiry of a release repository, with device health when `health` names reports. */
export type ReleaseStatusParams = RepoParams & WireOptions<ReleaseStatusJobOptions>;
export namespace ReleaseStatusRequest {
  export const method = 'edgewise/releaseStatus';
  export const type = new RequestType<ReleaseStatusParams, RepositoryStatus, void>(method);
}

/** Creates a release repository and its signing keys (`edgewise release init`). */
export type ReleaseInitParams = RepoParams & ProgressParams & WireOptions<ReleaseInitJobOptions>;
export namespace ReleaseInitRequest {
  export const method = 'edgewise/releaseInit';
  export const type = new RequestType<ReleaseInitParams, InitResult, void>(method);
}

/** Publishes a model as a signed release (`edgewise release publish`). */
export type ReleasePublishParams = ProgressParams & { model: string } & WireOptions<ReleasePublishJobOptions>;
export type ReleasePublishResult = PublishResult;
export namespace ReleasePublishRequest {
  export const method = 'edgewise/releasePublish';
  export const type = new RequestType<ReleasePublishParams, ReleasePublishResult, void>(method);
}

/** Promotes, pauses, rolls back or retires a release (`edgewise release promote|pause|rollback|retire`). */
export type ReleaseChangeParams = RepoParams & ProgressParams & WireOptions<ReleaseChangeJobOptions>;
export namespace ReleaseChangeRequest {
  export const method = 'edgewise/releaseChange';
  export const type = new RequestType<ReleaseChangeParams, ChannelChangeResult, void>(method);
}

/** Fine-tuning or distillation options, as `edgewise finetune` / `distill` take them (src/core/jobs/train.ts). */
export interface TrainParams extends ModelParams, ProgressParams {
  options: TrainRequestOptions;
}
export type TrainResult = TrainJobResult;

/** Trains a model in a child process of the worker (fine-tune, distill, --qat); progress carries the finished
 * steps and epochs; cancelling stops at the next step and keeps the last epoch's checkpoint. */
export namespace TrainRequest {
  export const method = 'edgewise/train';
  export const type = new RequestType<TrainParams, TrainResult, void>(method);
}

/** Areas with a file of their own, part of this protocol: the params most requests share, the edit session, the model diff, the graph view's open and layouts, federated simulation. */
export type { ModelParams, ProgressParams } from './params-protocol';
export * from './edit-protocol';
export * from './diff-protocol';
export * from './view-protocol';
export * from './fl-protocol';
