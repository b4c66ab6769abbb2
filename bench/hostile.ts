/**
 * Issue 22's attack corpus through the real CLI and one real worker: each class of hostile input
 * (special files, bombs, deep nesting, outputs on inputs, claims the data does not back, numeric
 * options, kill -9 during a write), then seeded mutations of real ONNX and TFLite files. Prints
 * per class: cases, refused as expected, hangs (> 10 s), crashes (signal, stack trace, raw JS
 * error), max wall time and peak RSS; beside them, the reference: the same CLI inspecting the
 * unmutated models (what a normal run costs on this machine, in the same run). Every input is
 * made here, in a temp folder. Run under the bench lock:
 *   npm run bench:hostile -- [--fuzz-onnx N] [--fuzz-tflite N] [--cli-share K]
 * Defaults: 1,000 ONNX + 500 TFLite mutations through the worker, every 10th also through the CLI.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CancellationTokenSource } from 'vscode-jsonrpc';
import { RequestCancelledError, WorkerClient } from '../src/extension/worker-client';
import { ForgetModelNotification, ModelSummaryRequest, ViewGraphRequest, WorkerInfoRequest, ValidateRecipeRequest } from '../src/worker/protocol';
import { encodeModelProto } from '../src/core/formats/onnx/codec';
import { create } from '@bufbuild/protobuf';
import { TensorProtoSchema } from '../src/core/formats/onnx/proto/onnx_pb';
import { runCli, type CliResult } from '../test/cli/run';
import { bigOnnx, deepIfModel, killDuringWrite, makeFifo, npyClaiming, yamlAliasBomb } from '../test/helpers/hostile-files';
import { buildModel as buildTflite } from '../test/core/formats/tflite/build-model';
import { writeModelWith } from '../test/core/formats/onnx/models';

const root = path.resolve(__dirname, '..');
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const FUZZ_ONNX = arg('fuzz-onnx', 1000);
const FUZZ_TFLITE = arg('fuzz-tflite', 500);
const CLI_SHARE = arg('cli-share', 10);
const HANG_MS = 10_000;
const ONNX_BASE = path.join(root, 'test/fixtures/fmnist_cnn.onnx');
const TFLITE_BASES = [path.join(root, 'test/fixtures/hello_world_float.tflite'), path.resolve(root, '../shared/fixtures/tflite/person_detect.tflite')];

interface Row { cases: number; refused: number; ok: number; hangs: number; crashes: number; maxMs: number; peakMiB: number; notes: string[] }
const rows = new Map<string, Row>();
const row = (cls: string): Row => {
  let r = rows.get(cls);
  if (!r) rows.set(cls, (r = { cases: 0, refused: 0, ok: 0, hangs: 0, crashes: 0, maxMs: 0, peakMiB: 0, notes: [] }));
  return r;
};

/** A crash: killed by a signal, an exit code other than 0/1/2/3, a stack trace, or a raw JS error reaching the user. */
function crashed(r: CliResult): boolean {
  return (r.code === null && !r.timedOut) || (r.code !== null && ![0, 1, 2, 3].includes(r.code))
    || /^\s+at /m.test(r.stderr) || /Maximum call stack|FATAL ERROR|Invalid typed array length|RangeError|TypeError/.test(r.stderr);
}

/** Runs the CLI on one case and books it under `cls`; `expect` is what the one-line refusal must say (undefined: any clean outcome). */
function cliCase(cls: string, args: string[], expect?: RegExp): CliResult {
  const r = runCli(args, HANG_MS);
  const b = row(cls);
  b.cases++;
  b.maxMs = Math.max(b.maxMs, r.ms);
  b.peakMiB = Math.max(b.peakMiB, r.peakRssMiB ?? 0);
  if (r.timedOut) { b.hangs++; b.notes.push(`HANG ${args.join(' ')}`); return r; }
  if (crashed(r)) { b.crashes++; b.notes.push(`CRASH ${args.join(' ')}: ${r.stderr.split('\n').slice(0, 3).join(' | ')}`); return r; }
  if (r.code === 0) b.ok++;
  else if (!expect || (expect.test(r.stderr) && r.stderr.trimEnd().split('\n').length === 1)) b.refused++;
  else b.notes.push(`UNEXPECTED ${args.join(' ')}: ${r.stderr.trim()}`);
  return r;
}

/** Seeded xorshift32: the same corpus every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 2 ** 32;
  };
}

/** One mutation of `base`: flipped bytes, a truncation, a large varint, or a duplicated slice. */
function mutate(base: Buffer, r: () => number): Buffer {
  const b = Buffer.from(base);
  const at = () => Math.floor(r() * b.length);
  switch (Math.floor(r() * 4)) {
    case 0: for (let k = 1 + Math.floor(r() * 16); k > 0; k--) b[at()] = Math.floor(r() * 256); return b;
    case 1: return b.subarray(0, at());
    case 2: { const i = at(); b.fill(0xff, i, Math.min(b.length, i + 9)); return b; }
    default: { const i = at(), n = Math.floor(r() * 4096); return Buffer.concat([b.subarray(0, i), b.subarray(i, i + n), b.subarray(i)]); }
  }
}

function peakOf(pid: number | undefined): number {
  if (!pid) return 0;
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

/** Sends one request with a time budget: 'ok', 'refused' (an error answer), 'hang' (no answer in 10 s) or 'crash' (the worker died). */
async function workerCase(client: WorkerClient, send: (token: CancellationTokenSource['token']) => Promise<unknown>): Promise<'ok' | 'refused' | 'hang' | 'crash'> {
  const source = new CancellationTokenSource();
  const timer = setTimeout(() => source.cancel(), HANG_MS);
  const pid = client.pid;
  try {
    await send(source.token);
    return 'ok';
  } catch (e) {
    if (e instanceof RequestCancelledError) return 'hang';
    if (client.pid !== pid && pid !== undefined) return 'crash';
    return /^\s+at /m.test((e as Error).message) ? 'crash' : 'refused';
  } finally {
    clearTimeout(timer);
  }
}

async function main(): Promise<void> {
  execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'ignore' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-bench-hostile-'));
  const loadBefore = os.loadavg();
  const t0 = performance.now();
  const f = (name: string) => path.join(dir, name);
  try {
    // Reference: the same CLI on the unmutated models.
    for (const m of [ONNX_BASE, ...TFLITE_BASES]) cliCase('reference: inspect the real models', ['inspect', m]);

    // Special files.
    const fifoOnnx = makeFifo(f('fifo.onnx')), fifoTfl = makeFifo(f('fifo.tflite'));
    fs.symlinkSync('/dev/zero', f('zero.onnx'));
    for (const m of [fifoOnnx, fifoTfl, f('zero.onnx')]) {
      for (const cmd of [['inspect', m], ['export', m], ['bench', m, '--runs', '1'], ['quantize', m, '--mode', 'dynamic']]) cliCase('special files as models', cmd, /named pipe|character device/);
    }
    fs.writeFileSync(f('x.npy'), npyClaiming('(2, 1, 28, 28)', 6272));
    fs.closeSync(fs.openSync(f('huge.npy'), 'w'));
    fs.truncateSync(f('huge.npy'), 3 * 2 ** 30);
    fs.writeFileSync(f('long.npy'), npyClaiming('(2, 1, 28, 28)', 6280));
    cliCase('data and labels', ['eval', ONNX_BASE, '--data', '/dev/zero'], /character device/);
    cliCase('data and labels', ['eval', ONNX_BASE, '--data', makeFifo(f('fifo.npy'))], /named pipe/);
    cliCase('data and labels', ['eval', ONNX_BASE, '--data', f('x.npy'), '--labels', '/dev/urandom'], /character device/);
    cliCase('data and labels', ['eval', ONNX_BASE, '--data', f('huge.npy')], /does not start with the .npy signature/);
    cliCase('data and labels', ['eval', ONNX_BASE, '--data', f('long.npy')], /bytes after the 6272 data bytes/);

    // Parsers bound their work.
    fs.writeFileSync(f('deep.onnx'), deepIfModel(3000));
    cliCase('bombs and deep nesting', ['inspect', f('deep.onnx')], /nest more than 100 deep/);
    fs.writeFileSync(f('edgewise.yaml'), yamlAliasBomb(ONNX_BASE));
    cliCase('bombs and deep nesting', ['run', f('edgewise.yaml'), '--dry-run'], /aliases/);
    fs.writeFileSync(f('deep.json'), `{"model": "m.onnx", "x": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    cliCase('bombs and deep nesting', ['run', f('deep.json'), '--dry-run'], /deep/);
    fs.writeFileSync(f('zero.json'), JSON.stringify({ model: '/dev/zero', passes: [] }));
    cliCase('bombs and deep nesting', ['run', f('zero.json'), '--dry-run', '--allow-outside'], /character device/);

    // Outputs never land on inputs.
    const input = f('mx.onnx');
    runCli(['convert', ONNX_BASE, input, '--external-data']);
    fs.symlinkSync('.', f('selfdir'));
    const before = Buffer.concat([fs.readFileSync(input), fs.readFileSync(`${input}.data`)]);
    cliCase('outputs on inputs', ['quantize', input, '--mode', 'dynamic', '--out', f('selfdir/mx.onnx'), '--force', '--no-latency'], /is the input model/);
    cliCase('outputs on inputs', ['quantize', input, '--mode', 'dynamic', '--out', `${input}.data`, '--force', '--no-latency'], /which this job reads/);
    cliCase('outputs on inputs', ['convert', input, f('selfdir/mx.onnx'), '--force'], /is the input model/);
    if (!before.equals(Buffer.concat([fs.readFileSync(input), fs.readFileSync(`${input}.data`)]))) row('outputs on inputs').notes.push('THE INPUT CHANGED');

    // Claims checked against data.
    writeModelWith(f('claims.onnx'), [create(TensorProtoSchema, { name: 'w', dims: [2n ** 31n, 2n ** 31n], dataType: 1, rawData: new Uint8Array(16) })]);
    writeModelWith(f('neg.onnx'), [create(TensorProtoSchema, { name: 'w', dims: [-4n, 4n], dataType: 1, rawData: new Uint8Array(64) })]);
    for (const m of ['claims.onnx', 'neg.onnx']) cliCase('claims against data', ['inspect', f(m)], /'w'/);
    const tfl = (shape: number[], bytes: number) => buildTflite({
      operatorCodes: [{ deprecated: 0, builtin: 0 }],
      subgraphs: [{ name: 'main', tensors: [{ name: 'x', type: 0, shape: [1, 4] }, { name: 'w', type: 0, shape, buffer: 1 }, { name: 'y', type: 0, shape: [1, 4] }], inputs: [0], outputs: [2], operators: [{ opcode: 0, inputs: [0, 1], outputs: [2] }] }],
      buffers: [{}, { data: new Uint8Array(bytes) }],
    });
    fs.writeFileSync(f('short.tflite'), tfl([1, 4], 12));
    fs.writeFileSync(f('huge.tflite'), tfl([2147483647, 2147483647], 16));
    for (const m of ['short.tflite', 'huge.tflite']) cliCase('claims against data', ['inspect', f(m)], /'w'/);

    // Numeric options.
    for (const a of [['--threads', '10000'], ['--threads', ''], ['--runs', '1e12'], ['--warmup', '1e12'], ['--min-duration', '1e12']]) {
      cliCase('numeric options', ['bench', ONNX_BASE, ...a], /must be a/);
    }

    // kill -9 during a write (killed as soon as its temporary appears): no output, and the next run clears the temporary.
    const kill = row('kill -9 during writes');
    const big = bigOnnx(f('big.onnx'), 64);
    for (const extra of [[], ['--external-data'], ['--inline']]) {
      const out = f('killed.onnx');
      const temps = () => fs.readdirSync(dir).filter((n) => n.startsWith('.killed.onnx') && n.endsWith('.tmp'));
      const killed = await killDuringWrite(path.join(root, 'dist/cli.js'), ['convert', big, out, ...extra], dir, 'killed.onnx');
      kill.cases++;
      const left = temps().length;
      const output = fs.existsSync(out);
      const again = runCli(['convert', big, out, ...extra], 60_000);
      const clean = killed.midWrite && !output && again.code === 0 && temps().length === 0;
      if (clean) kill.refused++;
      kill.notes.push(`${clean ? '' : 'NOT CLEAN '}convert ${extra.join(' ')}: killed mid-write ${killed.midWrite}, output after the kill ${output}, ${left} temporaries; rerun exit ${again.code} leaving ${temps().length}`);
      kill.maxMs = Math.max(kill.maxMs, again.ms);
      kill.peakMiB = Math.max(kill.peakMiB, again.peakRssMiB ?? 0);
      fs.rmSync(out, { force: true });
      fs.rmSync(`${out}.data`, { force: true });
    }

    // Fuzz: the same mutations through one worker (summary + view graph) and, every CLI_SHARE-th, the CLI.
    const client = new WorkerClient({ workerPath: path.join(root, 'dist/worker.js') });
    const workerRow = (cls: string, outcome: string, ms: number) => {
      const b = row(cls);
      b.cases++;
      b.maxMs = Math.max(b.maxMs, ms);
      if (outcome === 'ok') b.ok++; else if (outcome === 'refused') b.refused++; else if (outcome === 'hang') b.hangs++; else b.crashes++;
    };
    let alive = true;
    try {
      const recipe = f('bomb.yaml');
      fs.writeFileSync(recipe, yamlAliasBomb(ONNX_BASE));
      const t = performance.now();
      workerRow('worker: recipe bomb (validateRecipe)', await workerCase(client, (token) => client.request(ValidateRecipeRequest.type, { file: recipe, text: fs.readFileSync(recipe, 'utf8') }, { token })), performance.now() - t);
      for (const [fmt, bases, n] of [['onnx', [ONNX_BASE], FUZZ_ONNX], ['tflite', TFLITE_BASES, FUZZ_TFLITE]] as const) {
        const r = rng(fmt === 'onnx' ? 22 : 2222);
        const baseBytes = bases.map((b) => fs.readFileSync(b));
        for (let i = 0; i < n; i++) {
          const file = f(`fuzz${i}.${fmt}`);
          fs.writeFileSync(file, mutate(baseBytes[i % baseBytes.length], r));
          const t1 = performance.now();
          const outcome = await workerCase(client, async (token) => {
            await client.request(ModelSummaryRequest.type, { file }, { token });
            await client.request(ViewGraphRequest.type, { file }, { token });
          });
          workerRow(`worker: ${fmt} mutations`, outcome, performance.now() - t1);
          client.notify(ForgetModelNotification.type, { file });
          if (outcome === 'crash' || outcome === 'hang') row(`worker: ${fmt} mutations`).notes.push(`${outcome.toUpperCase()} fuzz${i}.${fmt} kept`);
          else {
            if (i % CLI_SHARE === 0) cliCase(`CLI: ${fmt} mutations (every ${CLI_SHARE}th)`, ['inspect', file]);
            fs.rmSync(file);
          }
          try {
            await client.request(WorkerInfoRequest.type, undefined);
          } catch {
            alive = false;
          }
        }
      }
      for (const cls of ['worker: onnx mutations', 'worker: tflite mutations', 'worker: recipe bomb (validateRecipe)']) row(cls).peakMiB = peakOf(client.pid);
      row('worker: onnx mutations').notes.push(`worker restarts ${client.restarts}, answering after every case: ${alive}`);
    } finally {
      client.stop();
    }

    const loadAfter = os.loadavg();
    const fmt = (x: number) => x.toFixed(0).padStart(7);
    console.log(`bench:hostile  ${new Date().toISOString()}  node ${process.version}  ${os.cpus().length} cores`);
    console.log(`load average before ${loadBefore.map((x) => x.toFixed(2)).join(' ')}, after ${loadAfter.map((x) => x.toFixed(2)).join(' ')}; total ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    // expected: refused with the one-line message the class calls for (kill -9: no partial output, temporaries cleared); ok: ran (exit 0, or a worker answer).
    console.log(`${'class'.padEnd(44)} cases expectd     ok  hangs crashes  max ms  peak MiB`);
    for (const [cls, b] of rows) {
      console.log(`${cls.padEnd(44)}${String(b.cases).padStart(6)}${String(b.refused).padStart(8)}${String(b.ok).padStart(7)}${String(b.hangs).padStart(7)}${String(b.crashes).padStart(8)}${fmt(b.maxMs)}${b.peakMiB.toFixed(0).padStart(10)}`);
      for (const n of b.notes.slice(0, 5)) console.log(`    ${n}`);
    }
    const bad = [...rows.values()].reduce((a, b) => a + b.hangs + b.crashes, 0);
    console.log(`targets: 0 hangs over 10 s, 0 crashes, peak RSS < 500 MB for inputs < 10 MB, worker alive: ${bad === 0 && alive ? 'MET' : 'NOT MET'}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
