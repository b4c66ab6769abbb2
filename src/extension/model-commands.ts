import * as path from 'node:path';
import type { FormatAction } from '../core/formats/format';
import { modelRoot } from '../core/formats/open';
import { FORMATS, modelExtensions } from '../core/formats/registry';

/**
 * Globs of the registered formats' model files and folders (a folder model by any file inside).
 * package.json's `workspaceContains` activation events list the same (model-menus.test.ts).
 */
export function modelPatterns(): string[] {
  return FORMATS.flatMap((f) => [...f.fileExtensions.map((e) => `**/*${e}`), ...(f.folderExtensions ?? []).map((e) => `**/*${e}/*`)]);
}

/** What a model command needs of the model's format: 'view' every format has, the rest its `actions`. */
export type ModelCommandNeed = FormatAction | 'view';

/**
 * The commands that act on a model, with what each needs. Their package.json menus (`when`
 * clauses) and the custom editor's selector list exactly the extensions the registry gives for
 * that need; test/extension/model-menus.test.ts checks it, since package.json cannot import.
 */
export const MODEL_COMMANDS: Record<string, ModelCommandNeed> = {
  'edgewise.openModelGraph': 'view',
  'edgewise.benchmarkModel': 'bench',
  'edgewise.quantizeModel': 'quantize',
  'edgewise.pruneModel': 'prune',
  'edgewise.openModelAsText': 'text',
  'edgewise.analyzeModel': 'analyze',
  'edgewise.exportModel': 'export',
  'edgewise.finetuneModel': 'train',
  'edgewise.distillModel': 'train',
  'edgewise.simulateFederated': 'train',
};

/** Extensions (with the dot) of the formats that meet `need`. */
export function extensionsFor(need: ModelCommandNeed): string[] {
  return modelExtensions(need === 'view' ? undefined : need);
}

/** True when `file`'s extension belongs to a format that meets `need` (no file access: menus work the same way). */
export function canDo(file: string, need: ModelCommandNeed): boolean {
  return extensionsFor(need).includes(path.extname(modelRoot(file)).toLowerCase());
}

/** True for a path whose extension is a folder format's (.mlpackage, .mlmodelc). */
export function isFolderModel(file: string): boolean {
  return FORMATS.some((f) => f.folderExtensions?.includes(path.extname(file).toLowerCase()));
}

const ACTION_LABELS: Record<FormatAction, string> = {
  bench: 'Benchmark', quantize: 'Quantization', prune: 'Pruning', analyze: 'Per-layer analysis', text: 'The text view', export: 'Export', train: 'Training',
};

/**
 * Why `need` is unavailable for `file` ('Benchmark is not available for Core ML models: running a
 * Core ML model needs Apple's Core ML framework...'); undefined when it is available or the file
 * is no known model.
 */
export function unavailableReason(file: string, need: ModelCommandNeed): string | undefined {
  if (need === 'view' || canDo(file, need)) return undefined;
  const ext = path.extname(modelRoot(file)).toLowerCase();
  const format = FORMATS.find((f) => f.fileExtensions.includes(ext) || f.folderExtensions?.includes(ext));
  if (!format) return undefined;
  return `${ACTION_LABELS[need]} is not available for ${format.label} models${format.unavailableReason ? `: ${format.unavailableReason}` : ''}.`;
}

/** For the graph toolbar: the model commands unavailable for `file`, each with its reason. */
export function unavailableCommands(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [command, need] of Object.entries(MODEL_COMMANDS)) {
    const reason = unavailableReason(file, need);
    if (reason) out[command] = reason;
  }
  return out;
}
