/**
 * The worker process: a JSON-RPC server over IPC that runs every heavy job (decoding models,
 * benchmarks, passes, analysis, training, releases) outside the extension host. Started by src/extension/worker-client.ts.
 */
import { IPCMessageReader, IPCMessageWriter, createMessageConnection } from 'vscode-jsonrpc/node';
import { lazyModule } from '../core/base/lazy';
import { registerEditHandlers } from './handlers/edit';
import { registerModelHandlers } from './handlers/model';
import { registerViewHandlers } from './handlers/view';
import { registerWorkerHandlers } from './handlers/worker';
import { LayoutThread } from './layout/client';
import { layoutDataOf } from './layout/early';
import { EditSessions } from './edit-sessions';
import { ModelCache } from './model-cache';
import { WorkerServer } from './server';
import type { WorkerServices } from './services';

/** What opening a model's graph needs: registered at start. */
const startHandlers: ((services: WorkerServices) => void)[] = [
  registerWorkerHandlers,
  registerModelHandlers,
  registerViewHandlers,
  registerEditHandlers,
];

/**
 * Every other area (benchmarks, passes, analysis: ONNX Runtime and friends, hundreds of ms to
 * load) is registered on the first request for one of them, so the graph of a model opened
 * first does not wait for them. A new area adds its `registerXHandlers` to job-handlers.ts.
 */
const jobHandlers = lazyModule(() => (require('./job-handlers') as typeof import('./job-handlers')).jobHandlerModules);

/** How long the worker waits for an open before warming elkjs up anyway. */
const IDLE_WARM_MS = 300;

function main(): void {
  if (!process.send) {
    process.stderr.write('edgewise worker: start me with an IPC channel (child_process.fork)\n');
    process.exit(2);
  }
  // With the layout snapshot (layout/snapshot-blob.ts), the layout server is a process in which
  // elkjs is loaded already: dist/worker.js forked it before loading this bundle (layout/early.ts),
  // and it is taken over here, ready for the first view's layout.
  // Without it, the layout thread starts once the first view is answered (handlers/view.ts): on a
  // small machine, loading elkjs earlier slowed the worker's start and the decode, which the first
  // frame waits for (started at the view's request, ResNet-50's decode took 347 ms instead of 97,
  // medians of 5, load 5-7). elkjs's warm-up takes a core for a few hundred ms: during an open it
  // would slow the page too, and delay the view's own elkjs layout, which warms elkjs as well. So
  // it runs only when the worker was started ahead of any open and nothing came for a moment.
  const layout = new LayoutThread(layoutDataOf(process.argv), undefined, false);
  layout.startFromSnapshot();
  const idle = setTimeout(() => layout.warm(), IDLE_WARM_MS);
  const connection = createMessageConnection(new IPCMessageReader(process), new IPCMessageWriter(process));
  const server = new WorkerServer(connection, (line) => process.stderr.write(`${line}\n`));
  const models = new ModelCache();
  const services: WorkerServices = { server, models, edits: new EditSessions(models), layout, readyAt: 0, opening: () => clearTimeout(idle) };
  for (const register of startHandlers) register(services);
  services.server.onFirstUnhandled(() => { for (const register of jobHandlers()) register(services); });
  // The extension host went away: nobody is left to answer.
  process.on('disconnect', () => process.exit(0));
  connection.onClose(() => process.exit(0));
  connection.listen();
  services.readyAt = performance.timeOrigin + performance.now();
}

main();
