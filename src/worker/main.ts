/**
 * The worker process: a JSON-RPC server over IPC that runs every heavy job (decoding models,
 * benchmarks, passes, analysis, training, releases) outside the extension host. Started by src/extension/worker-client.ts.
 */
import { IPCMessageReader, IPCMessageWriter, createMessageConnection } from 'vscode-jsonrpc/node';
import { registerAnalysisHandlers } from './handlers/analysis';
import { registerBenchmarkHandlers } from './handlers/benchmark';
import { registerDeviceHandlers } from './handlers/devices';
import { registerExportHandlers } from './handlers/export';
import { registerModelHandlers } from './handlers/model';
import { registerQuantizeHandlers } from './handlers/quantize';
import { registerPruneHandlers } from './handlers/prune';
import { registerReleaseHandlers } from './handlers/release';
import { registerTrainHandlers } from './handlers/train';
import { registerWorkerHandlers } from './handlers/worker';
import { ModelCache } from './model-cache';
import { WorkerServer } from './server';
import type { WorkerServices } from './services';

/** One entry per area; a new area adds its `registerXHandlers` here. */
const handlerModules: ((services: WorkerServices) => void)[] = [
  registerWorkerHandlers,
  registerModelHandlers,
  registerBenchmarkHandlers,
  registerDeviceHandlers,
  registerExportHandlers,
  registerQuantizeHandlers,
  registerPruneHandlers,
  registerAnalysisHandlers,
  registerReleaseHandlers,
  registerTrainHandlers,
];

function main(): void {
  if (!process.send) {
    process.stderr.write('edgewise worker: start me with an IPC channel (child_process.fork)\n');
    process.exit(2);
  }
  const connection = createMessageConnection(new IPCMessageReader(process), new IPCMessageWriter(process));
  const services: WorkerServices = { server: new WorkerServer(connection, (line) => process.stderr.write(`${line}\n`)), models: new ModelCache() };
  for (const register of handlerModules) register(services);
  // The extension host went away: nobody is left to answer.
  process.on('disconnect', () => process.exit(0));
  connection.onClose(() => process.exit(0));
  connection.listen();
}

main();
