/** One run of a job as `.edgewise/runs/<id>.json` holds it (record.ts writes it, store.ts reads it). */

export const RUN_RECORD_VERSION = 1;

/** The jobs that leave a record. */
export type RunKind = 'quantize' | 'mixed-precision' | 'prune' | 'train' | 'export' | 'bench' | 'analyze' | 'recipe';

export interface RunFile {
  /** What the file was to the job: 'model', 'calib', 'data', 'labels', 'quantized', 'recipe'... */
  role: string;
  /** Relative to the runs root (the folder holding `.edgewise/`) when inside it, with '/'; else absolute. */
  path: string;
  bytes: number;
  /** SHA-256 of the content (a folder: of its files' relative names and hashes, sorted). */
  sha256: string;
}

/** The figures runs are compared by; each present only when the job measured it. */
export interface RunMetrics {
  /** The output model's bytes (external data included), else the input's. */
  sizeBytes?: number;
  /** Median and 95th percentile latency, ms. */
  p50Ms?: number;
  p95Ms?: number;
  peakRssBytes?: number;
  /** Top-1 accuracy of the result on labelled data, percent. */
  accuracy?: number;
  /** Top-1 accuracy of the job's input model on the same data, percent. */
  accuracyBefore?: number;
  /** Share of samples whose top-1 answer matches the float model's, percent. */
  agreement?: number;
  /** Output cosine similarity to the float model. */
  cosine?: number;
}

export interface RunMachine {
  host: string;
  cpuModel: string;
  cores: number;
  totalMemBytes: number;
  platform: string;
  arch: string;
  nodeVersion: string;
}

export interface RunRecord {
  version: typeof RUN_RECORD_VERSION;
  /** Sortable by start time: `20261204T031500123Z-quantize-1a2b`. */
  id: string;
  kind: RunKind;
  status: 'ok' | 'failed' | 'cancelled';
  /** The failure's one-line message. */
  error?: string;
  /** ISO time the job started, and how long it took. */
  startedAt: string;
  durationMs: number;
  /** The job's first argument (usually the model), as the runs root sees it (see RunFile.path). */
  input: string;
  /** The job's options as given (JSON; callbacks and the signal left out); re-running passes them again. */
  options: Record<string, unknown>;
  inputs: RunFile[];
  outputs: RunFile[];
  metrics: RunMetrics;
  machine: RunMachine;
  /** Where it ran: a target name ('local-cpu', a device) or 'local'. */
  target: string;
  /** A short line for lists: 'int8 static, 4 of 5 weighted nodes'. */
  summary?: string;
  /** Budgets the job checked (a recipe), each passed or not. */
  budgets?: { name: string; ok: boolean; message: string }[];
}
