import type { ModelFormat } from '../format';
import { OnnxReader } from './reader';

/** ONNX protobuf files: every action. No `sniff`: protobuf has no signature (codec.ts explains bad files). */
export const onnxFormat: ModelFormat = {
  id: 'onnx',
  label: 'ONNX',
  fileExtensions: ['.onnx'],
  open: (file) => OnnxReader.open(file),
  actions: ['bench', 'quantize', 'prune', 'analyze', 'text', 'export', 'train'],
};
