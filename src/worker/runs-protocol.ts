/**
 * The Runs view's request (a file of its own: protocol.ts is at the 400-line limit). Re-running a
 * recorded job runs models, so it happens in the worker like every other job.
 */
import { RequestType } from 'vscode-jsonrpc';
import type { ProgressParams } from './protocol';

export interface RerunParams extends ProgressParams {
  /** The runs root (the folder holding `.edgewise/`) and the run's id. */
  root: string;
  id: string;
  /** A recipe run writes its recipe's output again: replace it (the user agreed). */
  replaceRecipeOutput?: boolean;
}

export interface RerunResponse {
  kind: string;
  /** The new output, when the job writes one. */
  output?: string;
}

/** Runs a recorded job again with its options and inputs (core/recipe/rerun.ts); the new run is recorded too. */
export namespace RerunRequest {
  export const method = 'edgewise/runs/rerun';
  export const type = new RequestType<RerunParams, RerunResponse, void>(method);
}
