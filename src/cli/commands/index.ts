import type { Command } from '../command';

/**
 * A CLI command as `edgewise --help` lists it; `load` brings in its module and only then what that
 * imports (ONNX Runtime, ssh2, the model formats...): loading every command's modules cost a few
 * hundred ms of each start, `--help` and `diff` included. `require`, not import(): the bundle has
 * no module loader (src/cli/launch.ts), and esbuild makes a required module initialize lazily.
 */
export interface CommandEntry {
  name: string;
  summary: string;
  load(): Command;
}

/** Every CLI command, in the order `edgewise --help` lists them. */
export const commandEntries: CommandEntry[] = [
  { name: 'inspect', summary: 'Summarize a model: inputs, outputs, ops, parameters, size by data type, MACs', load: () => (require('./inspect') as typeof import('./inspect')).inspect },
  { name: 'convert', summary: 'Re-serialize an ONNX model, moving weights to or from an external data file', load: () => (require('./convert') as typeof import('./convert')).convert },
  { name: 'bench', summary: 'Measure latency, memory and per-layer time with onnxruntime', load: () => (require('./bench') as typeof import('./bench')).bench },
  { name: 'device', summary: 'Set up, trust and list devices to benchmark on (SSH, emulated ARM64)', load: () => (require('./device') as typeof import('./device')).device },
  { name: 'quantize', summary: 'Quantize a model (FP16, dynamic/static INT8, INT4/INT8 weight-only) and report what it gained', load: () => (require('./quantize') as typeof import('./quantize')).quantize },
  { name: 'export', summary: 'Export an ONNX model to TensorFlow Lite (float, float16, dynamic, int8, int8-weights), checked in TFLite itself', load: () => (require('./export') as typeof import('./export')).exportCommand },
  { name: 'eval', summary: 'Run a model over a data set: top-1/top-5 accuracy with labels', load: () => (require('./eval') as typeof import('./eval')).evalCommand },
  { name: 'compare', summary: 'Compare two models on the same data: agreement, cosine, max error, SQNR, accuracy, size, p50', load: () => (require('./compare') as typeof import('./compare')).compare },
  { name: 'diff', summary: 'Diff two models node by node: unchanged, changed (attributes, weights), rewritten, added, removed', load: () => (require('./diff') as typeof import('./diff')).diff },
  { name: 'prune', summary: 'Prune a model: magnitude sparsity or structured channel removal', load: () => (require('./prune') as typeof import('./prune')).prune },
  { name: 'edit', summary: 'Edit an ONNX model: rename, fix dims, set attributes, bypass/delete nodes, extract, fold constants', load: () => (require('./edit') as typeof import('./edit')).edit },
  { name: 'finetune', summary: 'Fine-tune a model on labelled data (after pruning; --qat for INT8 models)', load: () => (require('./finetune') as typeof import('./finetune')).finetune },
  { name: 'distill', summary: 'Distill a teacher model into a (pruned) student', load: () => (require('./distill') as typeof import('./distill')).distill },
  { name: 'analyze', summary: 'Per-layer error of a quantized model against its float original', load: () => (require('./analyze') as typeof import('./analyze')).analyze },
  { name: 'run', summary: 'Apply a recipe (edgewise.json or edgewise.yaml) and check its budgets; exits 3 when one breaks', load: () => (require('./run') as typeof import('./run')).run },
  { name: 'runs', summary: 'List, show and compare the recorded runs of every job (.edgewise/runs)', load: () => (require('./runs') as typeof import('./runs')).runs },
  { name: 'release', summary: 'Signed model releases: init, publish, promote, pause, rollback, retire, status', load: () => (require('./release') as typeof import('./release')).release },
  { name: 'device-update', summary: 'One check/download/install cycle of the device update client', load: () => (require('./device-update') as typeof import('./device-update')).deviceUpdate },
  { name: 'fl', summary: 'Federated learning: aggregate deltas, serve rounds, run a client, simulate', load: () => (require('./fl') as typeof import('./fl')).fl },
  { name: 'roundtrip', summary: 'Decode and re-encode a model and check the bytes are unchanged', load: () => (require('./roundtrip') as typeof import('./roundtrip')).roundtrip },
  { name: 'demo', summary: 'Run the main jobs on the bundled sample model', load: () => (require('./demo') as typeof import('./demo')).demo },
];

/** Every command, loaded (its options and usage): for tests and checks, not for the CLI's start. */
export function loadCommands(): Command[] {
  return commandEntries.map((c) => c.load());
}
