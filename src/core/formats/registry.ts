import type { FormatAction, ModelFormat } from './format';
import { onnxFormat } from './onnx/descriptor';
import { tfliteFormat } from './tflite/descriptor';
import { coremlFormat } from './coreml/descriptor';

/**
 * Every model format Edgewise reads, in one list: `openModel`, the worker's model cache, the
 * extension's pickers and menus (checked against package.json by a test) all read it. Adding a
 * format is one folder and one line here; see format.ts for the contract.
 */
export const FORMATS: readonly ModelFormat[] = [onnxFormat, tfliteFormat, coremlFormat];

/**
 * What a file that no format recognises is opened as. Protobuf carries no signature, so ONNX
 * cannot be told from noise before decoding; its reader then names the file and the problem.
 */
export const FALLBACK_FORMAT: ModelFormat = onnxFormat;

export function formatById(id: string): ModelFormat | undefined {
  return FORMATS.find((f) => f.id === id);
}

/** Extensions (file and folder, with the dot) of the formats that support `action`; every format's without one. */
export function modelExtensions(action?: FormatAction): string[] {
  return FORMATS.filter((f) => !action || f.actions.includes(action)).flatMap((f) => [...f.fileExtensions, ...(f.folderExtensions ?? [])]);
}
