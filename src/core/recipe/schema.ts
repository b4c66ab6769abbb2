/**
 * The recipe file (`edgewise.json` or `edgewise.yaml`): which passes to run on a model with which
 * options, per-node overrides, and the budgets the result must meet. Paths are relative to the
 * recipe's folder.
 */

export type Precision = 'float' | 'int8' | 'fp16';

export interface RecipeData {
  /** .npy file of model inputs (uint8 images are scaled by `scale`). */
  inputs: string;
  /** .npy file of class ids, one per sample. */
  labels?: string;
  /** Multiplier applied to integer inputs (default 1/255 for uint8). */
  scale?: number;
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
  | { type: 'number'; min?: number; max?: number; exclusiveMin?: number; integer?: boolean; doc?: string }
  | { type: 'boolean'; doc?: string }
  | { type: 'array'; items: Spec; doc?: string }
  | { type: 'any'; doc?: string };

const nodeList: Spec = { type: 'array', items: { type: 'string', nodeName: true }, doc: 'node names' };

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

/** Options each known pass accepts; unknown options are reported as warnings. */
export const PASS_OPTIONS: Record<string, Record<string, Spec>> = {
  fp16: { keepIoTypes: { type: 'boolean' }, include: nodeList, exclude: nodeList },
  quantize: {
    mode: { type: 'string', enum: ['static', 'dynamic', 'int8-weights'] },
    activations: { type: 'string', enum: ['uint8', 'int8'] },
    weights: { type: 'string', enum: ['int8', 'uint8', 'int4'] },
    perChannel: { type: 'boolean' },
    calibration: { type: 'string', enum: ['minmax', 'entropy', 'percentile'] },
    samples: { type: 'number', integer: true, min: 1 },
    include: nodeList,
    exclude: nodeList,
  },
  int4: { blockSize: { type: 'number', integer: true, min: 16 }, include: nodeList, exclude: nodeList },
  prune: { sparsity: { type: 'number', min: 0, max: 1 }, structured: { type: 'boolean' }, include: nodeList, exclude: nodeList },
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
    latencyAware: { type: 'boolean' },
    perChannel: { type: 'boolean' },
    include: nodeList,
    exclude: nodeList,
  },
  finetune: TRAIN_PASS_OPTIONS,
  distill: { ...TRAIN_PASS_OPTIONS, teacher: { type: 'string', doc: 'teacher model (default: the recipe\'s model)' }, temperature: { type: 'number', exclusiveMin: 0 }, alpha: { type: 'number', min: 0, max: 1 } },
};

const data: Spec = {
  type: 'object', required: ['inputs'],
  props: {
    inputs: { type: 'string', doc: '.npy file of model inputs' },
    labels: { type: 'string', doc: '.npy file of class ids' },
    scale: { type: 'number', exclusiveMin: 0 },
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
