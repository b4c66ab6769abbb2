/**
 * The worker process: a JSON-RPC server over IPC that runs every heavy job (decoding models,
 * benchmarks, passes, analysis, training, releases) outside the extension host. Started by src/extension/worker-client.ts.
 */
import { IPCMessageReader, IPCMessageWriter, createMessageConnection } from 'vscode-jsonrpc/node';
import { lazyModule } from '../core/base/lazy';
import { trace } from '../core/base/trace';
import { registerEditHandlers } from './handlers/edit';
import { registerModelHandlers } from './handlers/model';
import { registerViewHandlers } from './handlers/view';
import { registerRecipeHandlers } from './handlers/recipe';
import { registerTargetHandlers } from './handlers/targets';
import { registerWorkerHandlers } from './handlers/worker';
import { LayoutThread } from './layout/client';
import { layoutDataOf } from './layout/messages';
import { EditSessions } from './edit-sessions';
import { ModelCache } from './model-cache';
import { WorkerServer } from './server';
import type { WorkerServices } from './services';

/** What opening a model's graph needs, and what VS Code asks for as it starts: registered at start. */
const startHandlers: ((services: WorkerServices) => void)[] = [
  registerWorkerHandlers,
  registerModelHandlers,
  registerViewHandlers,
  registerEditHandlers,
  registerTargetHandlers,
  registerRecipeHandlers,
];

/**
 * Every other area (benchmarks, passes, analysis: ONNX Runtime and friends, hundreds of ms to
 * load) is registered on the first request for one of them, so the graph of a model opened
 * first does not wait for them. A new area adds its `registerXHandlers` to job-handlers.ts.
 */
const jobHandlers = lazyModule(() => (require('./job-handlers') as typeof import('./job-handlers')).jobHandlerModules);

function main(): void {
  if (!process.send) {
    process.stderr.write('edgewise worker: start me with an IPC channel (child_process.fork)\n');
    process.exit(2);
  }
  // elkjs lays out only views with a group too large for the page's own layout (webview/layout/
  // client.ts): its server (a process from the layout snapshot when there is one, else a thread)
  // starts when the first such view is opened (layout/ahead.ts) or asks, not with every worker,
  // where reading the snapshot took a core from the worker's start and the page's first frame.
  const layout = new LayoutThread(layoutDataOf(process.argv), undefined, false);
  const connection = createMessageConnection(new IPCMessageReader(process), new IPCMessageWriter(process));
  const server = new WorkerServer(connection, (line) => process.stderr.write(`${line}\n`));
  const models = new ModelCache();
  const services: WorkerServices = { server, models, edits: new EditSessions(models), layout, readyAt: 0 };
  for (const register of startHandlers) register(services);
  services.server.onFirstUnhandled(() => {
    for (const register of jobHandlers()) register(services);
    trace('worker: job modules loaded');
  });
  // The extension host went away: nobody is left to answer.
  process.on('disconnect', () => process.exit(0));
  connection.onClose(() => process.exit(0));
  connection.listen();
  services.readyAt = performance.timeOrigin + performance.now();
}

main();
