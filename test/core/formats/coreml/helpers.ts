import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runPythonJson } from '../../../python/onnx_python';

export const FIXTURES = path.resolve(__dirname, '../../../../../shared/fixtures/coreml');
export const fixture = (rel: string): string => path.join(FIXTURES, rel);
export const DTLN = fixture('adamsro__dtln-aec-coreml/DTLN_AEC_128_Part1.mlpackage');
export const DTLN_SPEC = path.join(DTLN, 'Data/com.apple.CoreML/model.mlmodel');

/** What test/python/coreml_reference.py (python3-protobuf + struct) counts in a model. */
export interface Reference {
  nodes: number;
  nodesWithSubgraphs: number;
  ops: Record<string, number>;
  weightCount: number;
  weightBytes: number;
  bytesByDtype: Record<string, number>;
  parameters: number;
  specificationVersion: number;
  modelType: string;
  inputs: string[];
  outputs: string[];
}

export function reference(specFile: string, weightsFolder?: string): Reference {
  return runPythonJson<Reference>('coreml_reference.py', weightsFolder ? [specFile, weightsFolder] : [specFile]);
}

export interface Expected { dtype: string; bytes: number; min: number; max: number; mean: number; elements: number }

/** Builds quantized.mlmodel and Blobs.mlpackage (test/python/coreml_make.py) in a temp folder. */
export function makeModels(): { dir: string; expected: Record<string, Expected> & { _blobOffsets: number[]; _weightFileBytes: number } } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coreml-test-'));
  const expected = runPythonJson<Record<string, Expected> & { _blobOffsets: number[]; _weightFileBytes: number }>('coreml_make.py', [dir]);
  return { dir, expected };
}

/** A writable copy of a folder (fixtures are read-only). */
export function copyFolder(src: string, dest: string): string {
  fs.cpSync(src, dest, { recursive: true });
  for (const e of fs.readdirSync(dest, { recursive: true, withFileTypes: true })) fs.chmodSync(path.join(e.parentPath, e.name), e.isDirectory() ? 0o755 : 0o644);
  fs.chmodSync(dest, 0o755);
  return dest;
}
