/** The worker's handler modules that main.ts loads on the first request for one of them. */
import { registerAnalysisHandlers } from './handlers/analysis';
import { registerBenchmarkHandlers } from './handlers/benchmark';
import { registerDeviceHandlers } from './handlers/devices';
import { registerDiffHandlers } from './handlers/diff';
import { registerExportHandlers } from './handlers/export';
import { registerFlHandlers } from './handlers/fl';
import { registerQuantizeHandlers } from './handlers/quantize';
import { registerPruneHandlers } from './handlers/prune';
import { registerReleaseHandlers } from './handlers/release';
import { registerTrainHandlers } from './handlers/train';
import { registerFiguresHandlers } from './handlers/figures';
import { registerRunsHandlers } from './handlers/runs';
import type { WorkerServices } from './services';

export const jobHandlerModules: ((services: WorkerServices) => void)[] = [
  registerBenchmarkHandlers,
  registerDeviceHandlers,
  registerExportHandlers,
  registerQuantizeHandlers,
  registerPruneHandlers,
  registerAnalysisHandlers,
  registerReleaseHandlers,
  registerTrainHandlers,
  registerDiffHandlers,
  registerFlHandlers,
  registerRunsHandlers,
  registerFiguresHandlers,
];
