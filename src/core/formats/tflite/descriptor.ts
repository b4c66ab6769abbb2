import type { ModelFormat } from '../format';
import { hasTfliteIdentifier } from './detect';
import { TfliteReader } from './reader';

/** TensorFlow Lite FlatBuffers (.tflite): viewed, inspected and benchmarked on TFLite's own interpreter. */
export const tfliteFormat: ModelFormat = {
  id: 'tflite',
  label: 'TensorFlow Lite',
  fileExtensions: ['.tflite'],
  sniff: hasTfliteIdentifier,
  open: (file) => TfliteReader.open(file),
  actions: ['bench'],
};
