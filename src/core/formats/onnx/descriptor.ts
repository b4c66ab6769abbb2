import type { ModelFormat } from '../format';
import { lazyModule } from '../../base/lazy';

/** The reader and its schema load on first use (see lazyModule). */
const reader = lazyModule(() => require('./reader') as typeof import('./reader'));

/** ONNX protobuf files: every action. No `sniff`: protobuf has no signature (codec.ts explains bad files). */
export const onnxFormat: ModelFormat = {
  id: 'onnx',
  label: 'ONNX',
  fileExtensions: ['.onnx'],
  open: (file) => reader().OnnxReader.open(file),
  actions: ['bench', 'quantize', 'prune', 'analyze', 'text', 'export', 'train'],
};
