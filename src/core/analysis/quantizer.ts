import type { Model } from '../formats/onnx/model';

/** A model with some layers in INT8, and where each float tensor lives in it. */
export interface QuantizedModel {
  model: Model;
  /** Float-model tensor name -> the quantized model's tensor that carries the same value (float). */
  tensorMap: Record<string, string>;
}

/**
 * What per-layer analysis needs from a quantization pass: the layers it can quantize (node ids of
 * the float model) and a build with exactly a chosen set of them in INT8. Implementations reuse
 * one calibration for every build, so builds differ only in which layers are quantized.
 */
export interface LayerQuantizer {
  readonly layers: readonly string[];
  build(int8Layers: ReadonlySet<string>): Promise<QuantizedModel>;
}
