/**
 * The graph editor's requests: edits, undo/redo (a version made current), save. Part of the
 * worker's protocol (protocol.ts re-exports it); handled in handlers/edit.ts.
 */
import { NotificationType, RequestType } from 'vscode-jsonrpc';
import type { PackedViewGraphText } from '../core/graph/packed';
import type { ModelSummary } from '../core/graph/types';
import type { ModelEdit } from '../core/passes/edit/types';
import type { ViewGraphDelta } from '../core/graph/view-delta';

/** Names one graph editor's edit session: the model as opened and its versions (src/core/passes/edit/history.ts). */
export interface EditSessionParams {
  session: string;
  /** The model file a session that is not open yet opens from (the opened model, or its backup). */
  source?: string;
}

export interface EditApplyParams extends EditSessionParams {
  /** Absolute path of the model file. */
  file: string;
  edit: ModelEdit;
  /** The version the edit applies to (the editor's current one); the session opens from `file` on its first edit. */
  base: number;
  /** The editors show `base`: answer with the delta from it (`EditedVersion.delta`) instead of the whole graph where the worker can. */
  delta?: boolean;
}

/** A version of an edited model; `graph` and `summary` are left out when not asked for. */
export interface EditedVersion {
  version: number;
  /** What the edit that made it did ('bypassed Relu /1/Relu'); empty for the model as opened. */
  description: string;
  /** Packed (core/graph/packed.ts), as the open's: the host relays it to the webview as it is. */
  graph?: PackedViewGraphText;
  /**
   * Instead of `graph` when the request named the version the editors show (`from`) and the worker
   * still holds that version's view graph: what changed from it (core/graph/view-delta.ts).
   */
  delta?: ViewGraphDelta;
  /** Nodes of its main graph (with `graph` or `delta`). */
  nodes?: number;
  summary?: ModelSummary;
}

/** Applies an edit (EditError's reason as the error when refused) and returns the new version with its view graph. */
export namespace EditApplyRequest {
  export const method = 'edgewise/editApply';
  export const type = new RequestType<EditApplyParams, EditedVersion, void>(method);
}

/**
 * Makes a kept version current (undo, redo, revert); with `withGraph`, returns its view graph too,
 * or its delta from version `from` (the one the editors show) when the worker can.
 */
export namespace EditGoToRequest {
  export const method = 'edgewise/editGoTo';
  export const type = new RequestType<EditSessionParams & { version: number; withGraph?: boolean; from?: number }, EditedVersion, void>(method);
}

export interface EditSaveParams extends EditSessionParams {
  /** Where to write: the opened file (Save), another one (Save As, a backup). */
  file: string;
  /** Write over an existing `file` (the user's explicit Save, or a confirmed Save As). */
  overwrite: boolean;
}

/** Writes the current version atomically to `file` (over an existing file only with `overwrite`). */
export namespace EditSaveRequest {
  export const method = 'edgewise/editSave';
  export const type = new RequestType<EditSaveParams, { file: string; bytes: number }, void>(method);
}

/** The editor closed: its versions are dropped. */
export namespace EditCloseNotification {
  export const method = 'edgewise/editClose';
  export const type = new NotificationType<EditSessionParams>(method);
}
