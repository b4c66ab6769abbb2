/**
 * The choices the jobs' options offer (modes, methods), in a module that imports nothing, so the
 * extension, the recipe schema and the worker's protocol can list them without loading a job (and
 * onnxruntime with it).
 */
export const QUANTIZE_MODES = ['fp16', 'dynamic', 'static', 'int4', 'int8-weights'] as const;
export type QuantizeMode = (typeof QUANTIZE_MODES)[number];

export const CALIBRATION_METHODS = ['minmax', 'percentile', 'entropy'] as const;
export type CalibrationMethod = (typeof CALIBRATION_METHODS)[number];

export const PRUNE_METHODS = ['magnitude', 'channel'] as const;
export type PruneMethod = (typeof PRUNE_METHODS)[number];
