import type { ModelFormat } from '../format';
import { hasTfliteIdentifier } from './detect';
import { lazyModule } from '../../base/lazy';

/** The reader and its schema load on first use (see lazyModule). */
const reader = lazyModule(() => require('./reader') as typeof import('./reader'));

/** TensorFlow Lite FlatBuffers (.tflite): viewed, inspected and benchmarked on TFLite's own interpreter. */
export const tfliteFormat: ModelFormat = {
  id: 'tflite',
  label: 'TensorFlow Lite',
  fileExtensions: ['.tflite'],
  sniff: hasTfliteIdentifier,
  open: (file) => reader().TfliteReader.open(file),
  actions: ['bench'],
};
