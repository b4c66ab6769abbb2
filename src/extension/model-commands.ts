import * as path from 'node:path';
import type { FormatAction } from '../core/formats/format';
import { modelExtensions } from '../core/formats/registry';

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
};

/** Extensions (with the dot) of the formats that meet `need`. */
export function extensionsFor(need: ModelCommandNeed): string[] {
  return modelExtensions(need === 'view' ? undefined : need);
}

/** True when `file`'s extension belongs to a format that meets `need` (no file access: menus work the same way). */
export function canDo(file: string, need: ModelCommandNeed): boolean {
  return extensionsFor(need).includes(path.extname(file).toLowerCase());
}
