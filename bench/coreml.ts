/**
 * Core ML benchmark: prints the two targets of issue 19 next to references measured in the same run.
 *
 * 1. The 2 MB ML Program package (shared fixtures): open + summary + view graph in core (cold: the
 *    first Core ML open of a fresh process, as in a new worker; warm: median of later opens), and the
 *    webview's first render (bench/view.ts: the real webview bundle in headless Chromium, from the
 *    model message to the first layout drawn). Target: summary and first render under 300 ms after
 *    the data arrives. Reference: the same steps for the ONNX Fashion-MNIST CNN.
 * 2. A package with a 100 MB weight file: one tensor's statistics through the reader (the inspector's
 *    request), with the bytes it read; reference: numpy reading the same blob with np.fromfile, and
 *    reading the whole file (what a reader without offsets would do).
 *
 *   npm run bench:coreml [-- --blob-mb 100 --rounds 10]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openModel } from '../src/core/formats/open';
import type { CoreMLReader } from '../src/core/formats/coreml/reader';

const ROOT = path.resolve(__dirname, '..');
const PACKAGE = path.resolve(ROOT, '../shared/fixtures/coreml/adamsro__dtln-aec-coreml/DTLN_AEC_128_Part1.mlpackage');
const ONNX_REFERENCE = path.join(ROOT, 'test/fixtures/fmnist_cnn.onnx');
const PYTHON = '/usr/bin/python3';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** open + summary + view graph, in ms: the first call, then the median of `rounds` more. */
function coreTimes(file: string, rounds: number): { coldMs: number; warmMs: number; nodes: number } {
  const once = (): { ms: number; nodes: number } => {
    const t = performance.now();
    const r = openModel(file);
    r.summary();
    const nodes = r.viewGraph().nodes.length;
    return { ms: performance.now() - t, nodes };
  };
  const cold = once();
  const warm = Array.from({ length: rounds }, () => once().ms);
  return { coldMs: cold.ms, warmMs: median(warm), nodes: cold.nodes };
}

/** First render in the real webview (bench/view.ts in a child process). */
function firstRender(file: string): { renderAfterDataMs: number; firstFrameMs: number } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/view.ts'), file, '--fps-seconds', '0.3'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench/view.ts ${file}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

function fresh(file: string, rounds: number): ReturnType<typeof coreTimes> {
  // A fresh process, as a newly started worker meets its first Core ML model.
  const r = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--core-only', file, '--rounds', String(rounds)], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

function partOne(rounds: number): void {
  console.log(`\n1. Opening the ${(fs.statSync(path.join(PACKAGE, 'Data/com.apple.CoreML/weights/weight.bin')).size / 1e6).toFixed(1)} MB ML Program package (target: summary and first render < 300 ms)`);
  console.log('model                          nodes  core cold ms  core warm ms  render after data ms  warm + render ms  open end to end ms');
  for (const [label, file] of [['DTLN_AEC_128_Part1.mlpackage', PACKAGE], ['fmnist_cnn.onnx (reference)', ONNX_REFERENCE]] as const) {
    const core = fresh(file, rounds);
    const view = firstRender(file);
    const total = core.warmMs + view.renderAfterDataMs;
    console.log(`${label.padEnd(30)} ${String(core.nodes).padStart(5)}  ${core.coldMs.toFixed(1).padStart(12)}  ${core.warmMs.toFixed(1).padStart(12)}  ${String(view.renderAfterDataMs).padStart(20)}  ${total.toFixed(1).padStart(16)}${label.startsWith('DTLN') ? (total < 300 ? '  met' : '  NOT met') : ''}  ${String(view.firstFrameMs).padStart(18)}`);
  }
}

/** The record offset of the const that produces `name` (for numpy to read the same blob). */
function blobOffset(reader: CoreMLReader, name: string): number {
  const t = reader.model.spec?.Type;
  if (t?.case !== 'mlProgram') throw new Error('not an ML Program');
  const fn = t.value.functions.main;
  const op = fn.blockSpecializations[fn.opset].operations.find((o) => o.outputs[0]?.name === name);
  const v = op?.attributes.val?.value;
  if (v?.case !== 'blobFileValue') throw new Error(`${name} is not stored in a blob`);
  return Number(v.value.offset);
}

function partTwo(megabytes: number): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-coreml-bench-'));
  try {
    const pkg = path.join(dir, 'Big.mlpackage');
    const made = spawnSync(PYTHON, [path.join(ROOT, 'bench/coreml_blob.py'), 'make', pkg, String(megabytes)], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(made.stderr);
    const weightBin = path.join(pkg, 'Data/com.apple.CoreML/weights/weight.bin');
    const size = fs.statSync(weightBin).size;
    console.log(`\n2. One tensor's statistics from a ${(size / 1e6).toFixed(0)} MB weight file (target: without reading the rest)`);
    let t = performance.now();
    const reader = openModel(pkg) as CoreMLReader;
    const graph = reader.viewGraph();
    const openMs = performance.now() - t;
    const blob = reader.model.blobs.opened()[0];
    const afterOpen = blob.bytesRead;
    const node = graph.nodes[Math.floor(graph.nodes.length / 2)];
    t = performance.now();
    const w = reader.nodeDetails(node.id).weights[0];
    const statsMs = performance.now() - t;
    const offset = blobOffset(reader, w.name);
    const ref = spawnSync(PYTHON, [path.join(ROOT, 'bench/coreml_blob.py'), 'stats', weightBin, String(offset)], { encoding: 'utf8' });
    if (ref.status !== 0) throw new Error(ref.stderr);
    const np = JSON.parse(ref.stdout) as { min: number; max: number; mean: number; std: number; ms: number; bytesRead: number };
    t = performance.now();
    fs.readFileSync(weightBin);
    const wholeMs = performance.now() - t;
    const s = w.stats!;
    console.log('reader                        ms     bytes read        min        max       mean        std');
    console.log(`edgewise open (records)  ${openMs.toFixed(1).padStart(7)}  ${String(afterOpen).padStart(13)}`);
    console.log(`edgewise tensor '${w.name}' ${statsMs.toFixed(1).padStart(5)}  ${String(blob.bytesRead - afterOpen).padStart(13)}  ${s.min.toFixed(5).padStart(9)}  ${s.max.toFixed(5).padStart(9)}  ${s.mean.toFixed(5).padStart(9)}  ${s.std.toFixed(5).padStart(9)}`);
    console.log(`numpy np.fromfile (ref)  ${np.ms.toFixed(1).padStart(7)}  ${String(np.bytesRead).padStart(13)}  ${np.min.toFixed(5).padStart(9)}  ${np.max.toFixed(5).padStart(9)}  ${np.mean.toFixed(5).padStart(9)}  ${np.std.toFixed(5).padStart(9)}`);
    console.log(`whole file read (ref)    ${wholeMs.toFixed(1).padStart(7)}  ${String(size).padStart(13)}`);
    console.log(`edgewise read ${(100 * blob.bytesRead / size).toFixed(2)}% of the file: ${blob.bytesRead < size / 10 ? 'met' : 'NOT met'}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--core-only')) {
  const file = process.argv[process.argv.indexOf('--core-only') + 1];
  process.stdout.write(JSON.stringify(coreTimes(file, arg('rounds', 10))));
} else {
  console.log(`load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (${os.cpus().length} cores)`);
  partOne(arg('rounds', 10));
  partTwo(arg('blob-mb', 100));
  console.log(`load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}
