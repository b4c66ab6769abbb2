import type { Model } from '../../formats/onnx/model';
import { applyEdit } from './apply';
import type { EditReport, ModelEdit } from './types';

/** One state of an edited model: version 0 is the model as opened. */
export interface ModelVersion {
  version: number;
  model: Model;
  /** The edit that made it (none for version 0). */
  report?: EditReport;
}

/**
 * The versions of a model under edit. Each edit makes a new Model that shares everything it did
 * not change with the one before, so keeping every version costs little, and undo or redo is
 * picking one: no edit is replayed or inverted. An edit made after undoing drops the versions
 * that were undone (as VS Code's undo stack does).
 */
export class EditHistory {
  private readonly versions: ModelVersion[];
  private index = 0;
  private next = 1;

  constructor(model: Model) {
    this.versions = [{ version: 0, model }];
  }

  get current(): ModelVersion {
    return this.versions[this.index];
  }

  /** Applies an edit to the current version (EditError when refused: nothing changes then). */
  apply(edit: ModelEdit): ModelVersion {
    const { model, report } = applyEdit(this.current.model, edit);
    this.versions.length = this.index + 1;
    this.versions.push({ version: this.next++, model, report });
    this.index++;
    return this.current;
  }

  /** The model of a kept version (undefined when no longer kept). */
  model(version: number): Model | undefined {
    return this.versions.find((v) => v.version === version)?.model;
  }

  /** Makes `version` current (undo and redo both come here); throws for a version no longer kept. */
  goTo(version: number): ModelVersion {
    const i = this.versions.findIndex((v) => v.version === version);
    if (i < 0) throw new Error(`version ${version} of the edited model is no longer kept`);
    this.index = i;
    return this.current;
  }
}
