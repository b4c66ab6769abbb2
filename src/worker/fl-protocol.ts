/**
 * Federated learning in VS Code: a simulated federation on one machine. Part of the worker's
 * protocol (protocol.ts re-exports it); handled in handlers/fl.ts. Progress reports carry each
 * completed round (`ProgressReport.round`) for the live chart.
 */
import { RequestType } from 'vscode-jsonrpc';
import type { FlSimulateJobOptions, FlSimulateJobResult } from '../core/jobs/fl-simulate';
import type { JobHooks } from '../core/jobs/job';

/**
 * The simulation's options as `edgewise fl simulate` takes them (src/core/jobs/fl-simulate.ts) but
 * the hooks, `file` the global model (protocol.ts JobParams, written out: protocol.ts re-exports this file).
 */
export type FlSimulateParams = { file: string; progressToken?: string } & Omit<FlSimulateJobOptions, keyof JobHooks | 'log' | 'onRound'>;

export type FlSimulateResult = FlSimulateJobResult;

/**
 * Runs `fl simulate`: a real server on loopback, the sampled clients training in child processes,
 * the global model evaluated after every round. Cancelling stops the clients and the server; the
 * rounds already written stay in the output folder (a new run resumes after the last one).
 */
export namespace FlSimulateRequest {
  export const method = 'edgewise/flSimulate';
  export const type = new RequestType<FlSimulateParams, FlSimulateResult, void>(method);
}
