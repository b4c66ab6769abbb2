/** The model diff's request (re-exported by protocol.ts, which owns every wire type). */
import { RequestType } from 'vscode-jsonrpc';
import type { DiffJobOptions, ModelDiff } from '../core/jobs/diff';
import type { ProgressParams, WireOptions } from './protocol';

/** Two models to diff (`edgewise diff A B`): A is the reference, B the model compared with it. */
export type DiffParams = ProgressParams & { a: string; b: string } & WireOptions<DiffJobOptions>;

/** Matches two models' graphs node by node and classifies every node (src/core/jobs/diff.ts). */
export namespace DiffRequest {
  export const method = 'edgewise/diff';
  export const type = new RequestType<DiffParams, ModelDiff, void>(method);
}
