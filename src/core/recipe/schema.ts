/**
 * The recipe file (`edgewise.json` or `edgewise.yaml`): which passes to run on a model with which
 * options, per-node overrides, and the budgets the result must meet. Paths are relative to the
 * recipe's folder.
 */

import { CALIBRATION_METHODS, PRUNE_METHODS, QUANTIZE_MODES } from '../jobs/choices';

export type Precision = 'float' | 'int8' | 'fp16';

/**
 * Data the recipe reads, the way every command reads data (runtime/data-array.ts DataOptions; the
 * keys are the CLI's: `scale` is --scale, `mean`/`std` are --mean/--std).
 */
export interface RecipeData {
  /** Model inputs: a .npy file, a folder of .npy files or of PNG/JPEG images. */
  inputs: string;
  /** Class ids, one per sample (.npy or text). */
  labels?: string;
  /** Multiplier applied first (default 1/255 for uint8 data and images). */
  scale?: number;
  /** Per-channel normalisation after `scale`: (x - mean[c]) / std[c]; give both. */
  mean?: number[];
  std?: number[];
  layout?: 'NCHW' | 'NHWC';
  /** Image size [height, width]. */
  resize?: [number, number];
  /** Largest batch for a symbolic batch dimension. */
  batch?: number;
  /** Use only the first `count` samples. */
  count?: number;
}

export interface PassStep {
  pass: string;
  options?: Record<string, unknown>;
}

export interface Budgets {
  /** Largest allowed top-1 drop from the float model, in points (needs eval labels). */
  maxAccuracyDrop?: number;
  /** Smallest allowed output cosine against the float model. */
  minCosine?: number;
  /** Model file size. */
  maxSizeBytes?: number;
  /** Median latency on this machine. */
  maxLatencyMs?: number;
  /** Peak resident memory of a process running the model. */
  maxRamBytes?: number;
  /** Microcontroller flash: the exported .tflite's bytes (needs an export pass). */
  maxFlashBytes?: number;
  /** TFLite Micro's tensor arena, planned from the exported .tflite (needs an export pass). */
  maxArenaBytes?: number;
}

export interface Recipe {
  model: string;
  /** Where the result goes (default: next to the model, `<name>.edge.onnx`, or `.edge.tflite` with an export pass). */
  output?: string;
  /** Benchmark target name (see `edgewise targets`); its flash and arena budgets also apply to an export. */
  target?: string;
  /** Calibration / tuning data. */
  data?: RecipeData;
  /** Held-out data the budgets are checked on (default: `data`). */
  eval?: RecipeData;
  passes: PassStep[];
  /** Per-node precision, keyed by node name (ViewNode.id). */
  overrides?: Record<string, { precision: Precision }>;
  budgets?: Budgets;
  /**
   * The fleet `edgewise bench` measures this model on, by name; an entry's fields define the
   * target (as in the `edgewise.targets` setting), an empty entry names one defined elsewhere.
   */
  targets?: Record<string, Record<string, unknown>>;
}

/** A small JSON-schema-like description, enough for precise messages with positions. */
export type Spec =
  | { type: 'object'; props: Record<string, Spec>; required?: string[]; additional?: Spec; doc?: string }
  | { type: 'string'; enum?: readonly string[]; nodeName?: boolean; doc?: string }
  | { type: 'number'; min?: number; max?: number; exclusiveMin?: number; exclusiveMax?: number; integer?: boolean; doc?: string }
  | { type: 'boolean'; doc?: string }
  | { type: 'array'; items: Spec; doc?: string }
  | { type: 'any'; doc?: string };

const nodeList: Spec = { type: 'array', items: { type: 'string', nodeName: true }, doc: 'node names' };
/** The pass options whose items are node names (validated against the model, completed in the editor). */
export const NODE_LIST_OPTIONS: ReadonlySet<string> = new Set(['includeNode', 'excludeNode']);
const opList: Spec = { type: 'array', items: { type: 'string' }, doc: 'op types' };
const activationType: Spec = { type: 'string', enum: ['uint8', 'int8'] };

/** Options of the training passes (finetune, distill), as `edgewise finetune` takes them. */
const TRAIN_PASS_OPTIONS: Record<string, Spec> = {
  epochs: { type: 'number', integer: true, min: 1 },
  batchSize: { type: 'number', integer: true, min: 1 },
  lr: { type: 'number', exclusiveMin: 0 },
  optimizer: { type: 'string', enum: ['sgd', 'adam', 'adamw'] },
  momentum: { type: 'number', min: 0, max: 1 },
  weightDecay: { type: 'number', min: 0 },
  schedule: { type: 'string', enum: ['constant', 'cosine'] },
  warmupSteps: { type: 'number', integer: true, min: 0 },
  freeze: { type: 'string', doc: 'regular expression of initializer names to keep fixed' },
  bn: { type: 'string', enum: ['frozen', 'train'] },
  seed: { type: 'number', integer: true, min: 0 },
  qat: { type: 'boolean' },
};

/**
 * The options of each pass: the CLI's options of the same job, camelCased (`--per-channel` is
 * `perChannel`, `--exclude-node` is `excludeNode`), minus what the recipe gives once for every
 * pass (data, eval, output). test/core/recipe/vocabulary.test.ts holds them to the CLI's.
 * `mixed-precision` is `quantize --max-accuracy-drop`; a recipe may also budget output cosine.
 */
export const PASS_OPTIONS: Record<string, Record<string, Spec>> = {
  quantize: {
    mode: { type: 'string', enum: QUANTIZE_MODES, doc: 'default static' },
    calibration: { type: 'string', enum: CALIBRATION_METHODS },
    percentile: { type: 'number', exclusiveMin: 0, max: 100 },
    movingAverage: { type: 'boolean' },
    perChannel: { type: 'boolean' },
    activationType,
    form: { type: 'string', enum: ['onnx', 'com.microsoft'] },
    blockSize: { type: 'number', integer: true, min: 16 },
    asymmetric: { type: 'boolean' },
    accuracyLevel: { type: 'number', integer: true, min: 0, max: 4 },
    fp16Io: { type: 'boolean' },
    includeOp: opList, includeNode: nodeList, excludeOp: opList, excludeNode: nodeList,
  },
  // The last pass when present: the model so far becomes a .tflite (see jobs/export.ts).
  export: {
    to: { type: 'string', enum: ['tflite'] },
    quantize: { type: 'string', enum: ['none', 'float16', 'dynamic', 'int8', 'int8-weights'] },
    calibration: { type: 'string', enum: ['minmax', 'entropy', 'percentile'] },
    int8Io: { type: 'boolean' },
    nhwcIo: { type: 'boolean' },
    dims: { type: 'object', props: {}, additional: { type: 'number', integer: true, min: 1 }, doc: 'values of symbolic dimensions' },
    verify: { type: 'boolean' },
  },
  'mixed-precision': {
    maxAccuracyDrop: { type: 'number', min: 0 },
    minCosine: { type: 'number', min: -1, max: 1 },
    perChannel: { type: 'boolean' },
    activationType,
    latencyAware: { type: 'boolean' },
    includeNode: nodeList, excludeNode: nodeList,
  },
  prune: {
    method: { type: 'string', enum: PRUNE_METHODS, doc: 'default magnitude' },
    sparsity: { type: 'number', exclusiveMin: 0, exclusiveMax: 1 },
    perLayer: { type: 'boolean' },
    allLayers: { type: 'boolean' },
    norm: { type: 'string', enum: ['l1', 'l2'] },
    excludeNode: nodeList,
  },
  finetune: TRAIN_PASS_OPTIONS,
  distill: { ...TRAIN_PASS_OPTIONS, teacher: { type: 'string', doc: 'teacher model (default: the recipe\'s model)' }, temperature: { type: 'number', exclusiveMin: 0 }, alpha: { type: 'number', min: 0, max: 1 } },
};

const data: Spec = {
  type: 'object', required: ['inputs'],
  props: {
    inputs: { type: 'string', doc: '.npy file, folder of .npy files or of images' },
    labels: { type: 'string', doc: '.npy or text file of class ids' },
    scale: { type: 'number', exclusiveMin: 0 },
    mean: { type: 'array', items: { type: 'number' } },
    std: { type: 'array', items: { type: 'number', exclusiveMin: 0 } },
    layout: { type: 'string', enum: ['NCHW', 'NHWC'] },
    resize: { type: 'array', items: { type: 'number', integer: true, min: 1 }, doc: '[height, width]' },
    batch: { type: 'number', integer: true, min: 1 },
    count: { type: 'number', integer: true, min: 1 },
  },
};

export const RECIPE_SPEC: Spec = {
  type: 'object', required: ['model', 'passes'],
  props: {
    $schema: { type: 'string' },
    model: { type: 'string', doc: 'the model file, relative to the recipe' },
    output: { type: 'string' },
    target: { type: 'string' },
    data,
    eval: data,
    passes: {
      type: 'array',
      items: { type: 'object', required: ['pass'], props: { pass: { type: 'string', enum: Object.keys(PASS_OPTIONS) }, options: { type: 'object', props: {}, additional: { type: 'any' } } } },
    },
    overrides: {
      type: 'object', props: {},
      additional: { type: 'object', required: ['precision'], props: { precision: { type: 'string', enum: ['float', 'int8', 'fp16'] } } },
    },
    targets: {
      type: 'object', props: {},
      additional: {
        type: 'object',
        props: {
          description: { type: 'string' },
          ssh: { type: 'string', doc: 'ssh://USER@HOST[:PORT]' },
          identity: { type: 'string', doc: 'private key file (never a password)' },
          knownHosts: { type: 'string' },
          runtime: { type: 'string', enum: ['native', 'qemu-arm64'] },
          remoteDir: { type: 'string' },
          threads: { type: 'number', integer: true, min: 1 },
          affinity: { type: 'array', items: { type: 'number', integer: true, min: 0 } },
          ramBudgetBytes: { type: 'number', exclusiveMin: 0 },
          latencyBudgetMs: { type: 'number', exclusiveMin: 0 },
          latencyMetric: { type: 'string', enum: ['p50', 'p95', 'p99'] },
          storageBudgetBytes: { type: 'number', exclusiveMin: 0 },
        },
      },
    },
    budgets: {
      type: 'object',
      props: {
        maxAccuracyDrop: { type: 'number', min: 0 },
        minCosine: { type: 'number', min: -1, max: 1 },
        maxSizeBytes: { type: 'number', exclusiveMin: 0 },
        maxLatencyMs: { type: 'number', exclusiveMin: 0 },
        maxRamBytes: { type: 'number', exclusiveMin: 0 },
        maxFlashBytes: { type: 'number', exclusiveMin: 0 },
        maxArenaBytes: { type: 'number', exclusiveMin: 0 },
      },
    },
  },
};
