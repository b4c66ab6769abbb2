/** The model diff's request. Part of the worker's protocol (protocol.ts re-exports it); handled in handlers/diff.ts. */
import { RequestType } from 'vscode-jsonrpc';
import type { DiffJobOptions, ModelDiff } from '../core/jobs/diff';
import type { JobHooks } from '../core/jobs/job';

/**
 * Two models to diff (`edgewise diff A B`): A is the reference. The job's options minus its hooks
 * (protocol.ts's WireOptions, spelled out here because protocol.ts imports this file), and a progress token.
 */
export type DiffParams = { a: string; b: string; progressToken?: string } & Omit<DiffJobOptions, keyof JobHooks>;

/** Matches two models' graphs node by node and classifies every node (src/core/jobs/diff.ts). */
export namespace DiffRequest {
  export const method = 'edgewise/diff';
  export const type = new RequestType<DiffParams, ModelDiff, void>(method);
}
