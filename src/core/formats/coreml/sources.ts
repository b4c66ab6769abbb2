import type { WeightInfo } from '../../graph/types';

/** How to read each weight shown in the view (float32 values, dequantized), looked up when the inspector asks. */
export type WeightSources = WeakMap<WeightInfo, () => Float32Array | null>;
