/**
 * The extension's side of one edited model (one custom document): which version of the worker's
 * edit session is current and which one is on disk. Edits, undo/redo and saves all run in the
 * worker (worker/edit-protocol.ts): the extension never reads or writes model bytes. No 'vscode'
 * import, so it is tested against the real worker.
 */
import type { ModelEdit } from '../core/passes/edit/types';
import { EditApplyRequest, EditCloseNotification, EditGoToRequest, EditSaveRequest, type EditedVersion } from '../worker/protocol';
import type { WorkerClient } from './worker-client';

/** An applied edit, as VS Code's undo stack keeps it: the versions before and after. */
export interface AppliedEdit {
  before: number;
  after: EditedVersion;
}

let sessions = 0;

export class ModelEdits {
  /** The worker's name for this document's session. */
  readonly session = `doc-${process.pid}-${++sessions}`;
  private currentVersion = 0;
  /** The version the file on disk holds (0: the file as opened; -1: none, the document came from a backup). */
  private savedVersion: number;
  private opened = false;
  /** Requests run one at a time, in order: an undo asked for during an edit waits for it. */
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * `file`: the document's model, the only file Save writes; `backup`: a hot-exit backup of
   * unsaved edits to restore (the session opens from it, and the document starts dirty).
   */
  constructor(readonly file: string, private readonly worker: Pick<WorkerClient, 'request' | 'notify'>, private backup?: string) {
    this.savedVersion = backup ? -1 : 0;
  }

  /** Where the session opens from. */
  private get source(): string {
    return this.backup ?? this.file;
  }

  get current(): number {
    return this.currentVersion;
  }

  /** True once an edit was made: node details then come from the session, not the file. */
  get hasSession(): boolean {
    return this.opened;
  }

  get isDirty(): boolean {
    return this.currentVersion !== this.savedVersion;
  }

  /**
   * The version of the session that the file on disk holds: 0 until the session opens from it
   * (undefined once it did, or when the document came from a backup).
   */
  get fileVersion(): number | undefined {
    return !this.opened && !this.backup ? 0 : undefined;
  }

  /**
   * Applies an edit to the current version (rejects with the reason when refused: nothing changes
   * then). `delta`: the editors show the current version, so the new one may come as its delta
   * from it (EditedVersion.delta) instead of its whole graph.
   */
  apply(edit: ModelEdit, delta = false): Promise<AppliedEdit> {
    return this.serial(async () => {
      const before = this.currentVersion;
      const after = await this.worker.request(EditApplyRequest.type, { session: this.session, file: this.source, edit, base: before, delta });
      this.opened = true;
      this.currentVersion = after.version;
      return { before, after };
    });
  }

  /**
   * Makes a version current (undo, redo, revert) and returns it with its view graph, or with
   * `delta`: as its delta from the current version where the worker can (the editors show that one).
   */
  goTo(version: number, delta = false): Promise<EditedVersion> {
    return this.serial(async () => {
      const from = delta && this.opened ? this.currentVersion : undefined;
      const v = await this.worker.request(EditGoToRequest.type, { session: this.session, source: this.source, version, withGraph: true, from });
      this.currentVersion = v.version;
      this.opened = true;
      return v;
    });
  }

  /**
   * Goes back to the version on disk: returns it, or undefined when that is the file itself
   * (nothing was edited, or the document came from a backup and was never saved).
   */
  async revert(): Promise<EditedVersion | undefined> {
    if (this.backup && this.savedVersion < 0) {
      return this.serial(async () => {
        this.close();
        this.backup = undefined;
        this.currentVersion = this.savedVersion = 0;
        return undefined;
      });
    }
    return this.opened ? this.goTo(this.savedVersion) : undefined;
  }

  /** Saves the current version over the opened file (the user's explicit Save), atomically in the worker. */
  save(): Promise<void> {
    return this.serial(async () => {
      if (!this.isDirty) return;
      const version = this.currentVersion;
      await this.worker.request(EditSaveRequest.type, { session: this.session, source: this.source, file: this.file, overwrite: true });
      this.opened = true;
      this.savedVersion = version;
    });
  }

  /**
   * Writes the current version to another file (Save As; a backup): the opened file is not
   * touched and stays this document's file. `overwrite`: the user confirmed replacing `target`.
   */
  saveAs(target: string, overwrite: boolean): Promise<{ file: string; bytes: number }> {
    return this.serial(async () => {
      if (target === this.file) throw new Error(`${target} is the opened model: use Save to write over it`);
      // An unedited model opens its session here: Save As writes the model as opened.
      const saved = await this.worker.request(EditSaveRequest.type, { session: this.session, file: target, overwrite, source: this.source });
      this.opened = true;
      return saved;
    });
  }

  /** The worker drops the session's versions. */
  close(): void {
    if (this.opened) this.worker.notify(EditCloseNotification.type, { session: this.session });
    this.opened = false;
  }

  private serial<T>(run: () => Promise<T>): Promise<T> {
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
