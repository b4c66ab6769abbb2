import type { ModelFormat } from '../format';
import { lazyModule } from '../../base/lazy';

/** The reader and its schema load on first use (see lazyModule). */
const reader = lazyModule(() => require('./reader') as typeof import('./reader'));
const io = lazyModule(() => require('./io') as typeof import('./io'));

/** A model opened to be viewed reads its large weights this long after (deferred-weights.ts), off the first frame's path. */
const WEIGHTS_AFTER_MS = 1000;

/** ONNX protobuf files: every action. No `sniff`: protobuf has no signature (codec.ts explains bad files). */
export const onnxFormat: ModelFormat = {
  id: 'onnx',
  label: 'ONNX',
  fileExtensions: ['.onnx'],
  open: (file) => {
    const model = io().loadModel(file, { deferWeights: true });
    model.source.deferredWeights?.fillLater(WEIGHTS_AFTER_MS);
    return new (reader().OnnxReader)(model);
  },
  actions: ['bench', 'quantize', 'prune', 'analyze', 'text', 'export', 'train'],
};
