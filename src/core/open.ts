import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ModelReader } from './graph/types';
import { OnnxReader } from './onnx/reader';
import { TfliteReader } from './tflite/reader';

/** Opens a model file with the reader for its format (by content, then by extension). */
export function openModel(file: string): ModelReader {
  const abs = path.resolve(file);
  if (isTfliteFile(abs)) return TfliteReader.open(abs);
  return OnnxReader.open(abs);
}

/** True for a file with the TFLite identifier or a .tflite name (a damaged .tflite gets the TFLite error). */
export function isTfliteFile(file: string): boolean {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const head = Buffer.alloc(8);
      const n = fs.readSync(fd, head, 0, 8, 0);
      return (n === 8 && head.toString('latin1', 4, 8) === 'TFL3') || path.extname(file).toLowerCase() === '.tflite';
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return path.extname(file).toLowerCase() === '.tflite';
  }
}
