/**
 * TFLite export targets, printed side by side with their references:
 * 1. The Fashion-MNIST CNN, the MobileNetV2-style model and the small vision transformer
 *    (test/fixtures) in none/float16/dynamic/int8/int8-weights: file ratio, agreement with ORT,
 *    top-1 of ONNX (ORT) and of the .tflite (TFLite's interpreter) on 1,000 labelled test images,
 *    and the per-run p50 of TFLite beside ORT's (same process, same inputs, alternating, 1 thread).
 * 2. A 100 MB model (a chain of float32 MatMuls) exported in a fresh process: wall and CPU time
 *    from the user's command to the written file (the machine may be shared: CPU time is the figure
 *    load does not inflate), peak RSS of the whole process and of the job, beside the time Node
 *    takes to read and write the same bytes.
 *
 *   npm run bench:export
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { create } from '@bufbuild/protobuf';
import { runExportJob } from '../src/core/jobs/export';
import { makeNode, makeTensor, makeValueInfo } from '../src/core/formats/onnx/build';
import { encodeModelProto } from '../src/core/formats/onnx/codec';
import { GraphProtoSchema, ModelProtoSchema, OperatorSetIdProtoSchema, type TensorProto } from '../src/core/formats/onnx/proto/onnx_pb';
import type { ExportMode } from '../src/core/passes/export-tflite/weights';

const ROOT = path.resolve(__dirname, '..');
const FIX = path.join(ROOT, 'test/fixtures');
const MODES: ExportMode[] = ['none', 'float16', 'dynamic', 'int8', 'int8-weights'];
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

async function fixtures(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-export-'));
  console.log(`1. exports checked on 1,000 labelled Fashion-MNIST test images (calibration: 500 other test images); load ${load()}`);
  console.log('model | mode | size ratio | export s | cosine | top-1 agreement | top-1 ONNX (ORT) | top-1 TFLite | p50 ORT ms | p50 TFLite ms | checks');
  try {
    for (const name of ['fmnist_cnn', 'fmnist_mobilenet', 'fmnist_vit']) {
      const src = path.join(FIX, `${name}.onnx`);
      if (!fs.existsSync(src)) { console.log(`${name} | missing (${src})`); continue; }
      for (const mode of MODES) {
        const t0 = performance.now();
        const r = await runExportJob(src, {
          quantize: mode, dims: { N: 1 }, calib: path.join(FIX, 'fmnist_tune500_u8.npy'),
          evalData: path.join(FIX, 'fmnist_test1k_u8.npy'), labels: path.join(FIX, 'fmnist_test1k_labels.npy'),
          out: path.join(tmp, `${name}.${mode}.tflite`), force: true,
        });
        const s = (performance.now() - t0) / 1000;
        const v = r.verification!;
        const o = v.outputs[0];
        const pct = (x: number | undefined) => (x === undefined ? '-' : `${(100 * x).toFixed(2)}%`);
        console.log([
          name, mode, r.fileRatio.toFixed(3), s.toFixed(1), o.cosine.toFixed(6), pct(o.top1Agreement), pct(v.accuracyOnnx?.top1), pct(v.accuracyTflite?.top1),
          v.p50Ms.onnxRuntime.toFixed(3), v.p50Ms.tflite.toFixed(3),
          `${v.passed ? 'PASS' : 'FAIL'}${r.delegate.allOpsInt8 ? ', all ops int8' : r.delegate.allOpsInt8 === false ? ', some ops float' : ''}`,
        ].join(' | '));
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** ~100 MB: five MatMuls over 2290 x 2290 float32 weights. */
function bigModel(file: string): number {
  const side = 2290;
  const inits: TensorProto[] = [];
  const nodes = [];
  let prev = 'x';
  for (let i = 0; i < 5; i++) {
    const w = new Float32Array(side * side);
    for (let j = 0; j < w.length; j++) w[j] = Math.sin(i * 7919 + j) * 0.02;
    inits.push(makeTensor(`w${i}`, 'float32', [side, side], w));
    nodes.push(makeNode('MatMul', [prev, `w${i}`], [`h${i}`], {}, `matmul_${i}`));
    prev = `h${i}`;
  }
  const graph = create(GraphProtoSchema, { name: 'big', node: nodes, initializer: inits, input: [makeValueInfo('x', 'float32', [1, side])], output: [makeValueInfo(prev, 'float32', [1, side])] });
  fs.writeFileSync(file, encodeModelProto(create(ModelProtoSchema, { irVersion: 8n, graph, opsetImport: [create(OperatorSetIdProtoSchema, { version: 17n })] })));
  return fs.statSync(file).size;
}

/** Wall and CPU time of reading the model and writing the same bytes back (fsync'd): the I/O any export does. */
function ioFloor(file: string, out: string): { wall: number; cpu: number } {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const bytes = fs.readFileSync(file);
  const fd = fs.openSync(out, 'w');
  try { fs.writeSync(fd, bytes); fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
}

function big(): void {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-export-big-'));
  try {
    const file = path.join(tmp, 'big.onnx');
    const bytes = bigModel(file);
    const mb = (x: number) => (x / 1e6).toFixed(0);
    console.log(`\n2. a ${(bytes / 1e6).toFixed(1)} MB model (5 MatMuls of 2290x2290 float32) exported in a fresh process (dist/cli.js, --no-verify); targets: < 5 s, peak memory < 2x the model (${mb(2 * bytes)} MB)`);
    console.log('   wall s: from spawning the command to its exit (process start and module loading included); CPU s: user + system of that process');
    console.log('   peak RSS: the whole process (Node, the CLI\'s modules, the job); job = peak minus the RSS before the CLI loaded');
    console.log('mode | wall s | CPU s | peak RSS MB | x model | job MB | job x model | out MB | load');
    const floor = ioFloor(file, path.join(tmp, 'copy.onnx'));
    console.log(`(reference) read + write the same bytes in Node, fsync'd | ${floor.wall.toFixed(2)} | ${floor.cpu.toFixed(2)} | - | - | - | - | ${mb(bytes)} | ${load()}`);
    // A preload records the process's RSS before the CLI loads, and its peak RSS and CPU time at exit.
    const preload = path.join(tmp, 'rss.cjs');
    fs.writeFileSync(preload, "const start = process.memoryUsage().rss; process.on('exit', () => { const u = process.resourceUsage(); process.stderr.write(JSON.stringify({ start, peak: u.maxRSS * 1024, cpu: (u.userCPUTime + u.systemCPUTime) / 1e6 }) + '\\n'); });");
    for (const mode of ['none', 'float16', 'int8-weights'] as ExportMode[]) {
      const out = path.join(tmp, `big.${mode}.tflite`);
      const t0 = performance.now();
      const r = spawnSync(process.execPath, ['--require', preload, path.join(ROOT, 'dist/cli.js'), 'export', file, '--quantize', mode, '--no-verify', '--out', out, '-q'], { encoding: 'utf8' });
      const wall = (performance.now() - t0) / 1000;
      if (r.status !== 0) { console.log(`${mode} | failed: ${r.stderr.trim().split('\n')[0]}`); continue; }
      const m = JSON.parse(r.stderr.trim().split('\n').pop()!) as { start: number; peak: number; cpu: number };
      console.log([mode, wall.toFixed(2), m.cpu.toFixed(2), mb(m.peak), (m.peak / bytes).toFixed(2), mb(m.peak - m.start), ((m.peak - m.start) / bytes).toFixed(2),
        (fs.statSync(out).size / 1e6).toFixed(1), load()].join(' | '));
      fs.rmSync(out);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(ROOT, 'dist/cli.js'))) throw new Error('run npm run build first');
  console.log(`${os.cpus()[0].model}, ${os.cpus().length} cores, Node ${process.version}`);
  if (!process.argv.includes('--big-only')) await fixtures();
  if (!process.argv.includes('--fixtures-only')) big();
}

main().catch((e) => { console.error(e); process.exit(1); });
