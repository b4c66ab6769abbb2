import { BuiltinOptions } from '../../formats/tflite/writer';
import { ReshapeOptions } from '../../formats/tflite/fbs/schema_generated';
import type { GraphOp } from './graph';

/** RESHAPE's options (new_shape repeats the shape input, for runtimes that read only the options). */
export function reshapeOptions(shape: number[]): GraphOp['options'] {
  return { type: BuiltinOptions.ReshapeOptions, write: (fb) => ReshapeOptions.createReshapeOptions(fb, ReshapeOptions.createNewShapeVector(fb, shape)) };
}
