import * as path from 'node:path';
import { externalDataFile, loadModel, saveModel, type SaveResult } from '../formats/onnx/io';
import type { Model } from '../formats/onnx/model';
import { applyEdits } from '../passes/edit/apply';
import { EditError, type EditReport, type ModelEdit } from '../passes/edit/types';
import { OUTPUT_TAGS, resolveOutput, throwIfCancelled, type JobHooks, type OutputOptions } from './job';

export { EditError, type ModelEdit } from '../passes/edit/types';
export { EditHistory, type ModelVersion } from '../passes/edit/history';

/** `edgewise edit` (jobs/job.ts contract); the default output is `<model>.edited.onnx` next to the input, never the input. */
export interface EditJobOptions extends OutputOptions, JobHooks {
  /** Applied in order; the first one refused stops the job before anything is written. */
  edits: ModelEdit[];
}

export interface EditJobResult {
  input: string;
  output: string;
  edits: EditReport[];
  nodesBefore: number;
  nodesAfter: number;
  inputs: string[];
  outputs: string[];
  fileBytes: number;
}

/** Loads an ONNX model, applies the edits (each checked: malformed results are refused), and writes the result atomically. */
export async function runEditJob(inputFile: string, o: EditJobOptions): Promise<EditJobResult> {
  const input = path.resolve(inputFile);
  if (o.edits.length === 0) throw new EditError(`${input}: no edit given (--rename, --fix-dim, --extract, ...)`);
  if (path.extname(input).toLowerCase() !== '.onnx') throw new EditError(`${input}: editing works on ONNX models (.onnx)`);
  const model = loadModel(input);
  const output = resolveOutput(input, {
    tag: OUTPUT_TAGS.edit, out: o.out, force: o.force, reads: model.externalFiles(), companions: (f) => [externalDataFile(f)],
  });
  o.progress?.(`editing ${path.basename(input)}`, 0);
  let edited;
  try {
    edited = applyEdits(model, o.edits);
  } catch (e) {
    if (e instanceof EditError) throw new EditError(`${input}: ${e.message}`);
    throw e;
  }
  throwIfCancelled(o.signal);
  o.progress?.(`writing ${output}`, 0.9);
  const saved = saveModel(edited.model, output, { overwrite: o.force });
  const g = edited.model.graph;
  return {
    input, output, edits: edited.reports,
    nodesBefore: model.graph.nodes.length, nodesAfter: g.nodes.length,
    inputs: g.realInputs().map((v) => v.name), outputs: g.proto.output.map((v) => v.name),
    fileBytes: saved.bytes + (saved.externalBytes ?? 0),
  };
}

/**
 * Writes an edited version atomically. Over an existing file only with `overwrite` (the user's
 * explicit Save or a confirmed Save As); never over a model whose weights live in external files
 * it reads (they would be rewritten while read): save those with another name.
 */
export function saveEditedModel(model: Model, file: string, overwrite: boolean): SaveResult {
  const out = path.resolve(file);
  const reads = [model.label, ...model.externalFiles()];
  if (model.hasExternalData() && reads.some((f) => [out, externalDataFile(out)].includes(f))) {
    throw new EditError(`${out}: the model keeps its weights in external data files; save the edited model under another name`);
  }
  return saveModel(model, out, { overwrite });
}
