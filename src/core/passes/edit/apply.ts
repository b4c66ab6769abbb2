import type { Model } from '../../formats/onnx/model';
import { graphProblems } from '../../formats/onnx/validate';
import { setAttribute } from './attribute';
import { fixDim } from './dims';
import { GraphDraft } from './draft';
import { addOutputs, extractSubgraph } from './extract';
import { foldConstants } from './fold';
import { bypassNode, deleteNode } from './remove';
import { rename } from './rename';
import { EditError, type EditReport, type ModelEdit } from './types';

export interface EditOutcome {
  /** The edited model; the one given is left as it was (they share what did not change). */
  model: Model;
  report: EditReport;
}

/**
 * Applies one edit and checks the result (validate.ts); an edit that would leave the model
 * malformed is refused with the checker's reasons, and the model given is never changed.
 */
export function applyEdit(model: Model, edit: ModelEdit): EditOutcome {
  const d = new GraphDraft(model);
  const report = run(d, edit);
  const edited = d.finish();
  const problems = graphProblems(edited);
  if (problems.length) throw new EditError(`${report.description} would leave the model malformed: ${problems.slice(0, 3).join('; ')}${problems.length > 3 ? ` (and ${problems.length - 3} more)` : ''}`);
  return { model: edited, report };
}

/** Applies edits in order; the first refusal stops it (nothing is applied then). */
export function applyEdits(model: Model, edits: readonly ModelEdit[]): { model: Model; reports: EditReport[] } {
  const reports: EditReport[] = [];
  for (const e of edits) {
    const out = applyEdit(model, e);
    model = out.model;
    reports.push(out.report);
  }
  return { model, reports };
}

function run(d: GraphDraft, e: ModelEdit): EditReport {
  switch (e.kind) {
    case 'rename': return rename(d, e.from, e.to, e.target);
    case 'fixDim': return fixDim(d, e.dim, e.value, e.input);
    case 'setAttribute': return setAttribute(d, e.node, e.name, e.value);
    case 'bypass': return bypassNode(d, e.node);
    case 'delete': return deleteNode(d, e.node);
    case 'extract': return extractSubgraph(d, e.inputs, e.outputs);
    case 'addOutputs': return addOutputs(d, e.tensors);
    case 'foldConstants': return foldConstants(d);
    default: throw new EditError(`unknown edit '${(e as { kind: string }).kind}'`);
  }
}
