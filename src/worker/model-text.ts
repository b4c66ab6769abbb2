import { loadModel } from '../core/formats/onnx/io';
import { modelToText, type ModelText } from '../core/formats/onnx/text';

/** An ONNX model in ONNX's textual syntax (the model's text view). */
export function modelText(file: string): ModelText {
  return modelToText(loadModel(file));
}
