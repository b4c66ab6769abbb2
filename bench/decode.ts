/**
 * Decode/encode speed of the ONNX codec.
 *
 *   npm run bench:decode -- [MODEL.onnx ...]
 *
 * Without a model it makes two 100 MB models in a temporary folder: weights in raw_data and the
 * same weights in float_data. Prints decode ms, heap added by a decoded model, MB/s and re-encode
 * ms (medians), and checks the re-encoded bytes are identical.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { decodeModelProto, encodeModelProto } from '../src/core/formats/onnx/codec';
import { makeNode, makeTensor, makeValueInfo } from '../src/core/formats/onnx/build';
import { GraphProtoSchema, ModelProtoSchema, OperatorSetIdProtoSchema, TensorProtoSchema, type TensorProto } from '../src/core/formats/onnx/proto/onnx_pb';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('run with node --expose-gc (npm run bench:decode does)');
  process.exit(2);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** A chain of MatMuls over `layers` square float32 weights of `side` x `side`. */
function makeModel(layers: number, side: number, field: 'raw' | 'float'): Uint8Array {
  const initializer: TensorProto[] = [];
  const node = [];
  let prev = 'x';
  for (let i = 0; i < layers; i++) {
    const w = new Float32Array(side * side);
    for (let j = 0; j < w.length; j++) w[j] = Math.sin(i * 7919 + j) * 0.05;
    initializer.push(field === 'raw'
      ? makeTensor(`w${i}`, 'float32', [side, side], w)
      : create(TensorProtoSchema, { name: `w${i}`, dataType: 1, dims: [BigInt(side), BigInt(side)], floatData: w }));
    node.push(makeNode('MatMul', [prev, `w${i}`], [`h${i}`], {}, `matmul_${i}`));
    prev = `h${i}`;
  }
  const graph = create(GraphProtoSchema, {
    name: 'bench', node, initializer,
    input: [makeValueInfo('x', 'float32', ['batch', side])],
    output: [makeValueInfo(prev, 'float32', ['batch', side])],
  });
  return encodeModelProto(create(ModelProtoSchema, {
    irVersion: 8n, producerName: 'edgewise-bench', graph, opsetImport: [create(OperatorSetIdProtoSchema, { version: 17n })],
  }));
}

interface Figures { file: string; mb: number; decodeMs: number; heapMb: number; mbPerS: number; encodeMs: number; identical: boolean }

function measure(file: string, runs = 5): Figures {
  const bytes = fs.readFileSync(file);
  decodeModelProto(bytes, file); // warm up the compiled readers
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    gc!();
    const t0 = performance.now();
    decodeModelProto(bytes, file);
    times.push(performance.now() - t0);
  }
  gc!();
  const heap0 = process.memoryUsage();
  const kept = decodeModelProto(bytes, file);
  gc!();
  const heap1 = process.memoryUsage();
  // Typed arrays made by the decoder (float_data) live outside the JS heap: count them too.
  const heapMb = (heap1.heapUsed - heap0.heapUsed + heap1.arrayBuffers - heap0.arrayBuffers) / 1e6;
  const enc: number[] = [];
  let out: Uint8Array = new Uint8Array(0);
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    out = encodeModelProto(kept);
    enc.push(performance.now() - t0);
  }
  const identical = Buffer.compare(Buffer.from(out.buffer, out.byteOffset, out.byteLength), bytes) === 0;
  const decodeMs = median(times);
  return { file, mb: bytes.length / 1e6, decodeMs, heapMb, mbPerS: bytes.length / 1e6 / (decodeMs / 1000), encodeMs: median(enc), identical };
}

/** @bufbuild/protobuf's own writer on a decoded raw_data model (median of 3), for the ratio. */
function genericEncodeMs(file: string): number {
  const proto = decodeModelProto(fs.readFileSync(file), file);
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    toBinary(ModelProtoSchema, proto);
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** @bufbuild/protobuf's own reader on a float_data model, for the ratio to the codec's fast path. */
function genericFloatDecode(bytes: Uint8Array): number {
  const t0 = performance.now();
  fromBinary(ModelProtoSchema, bytes);
  return bytes.length / 1e6 / ((performance.now() - t0) / 1000);
}

function print(label: string, f: Figures): void {
  console.log(`${label}: ${path.basename(f.file)} ${f.mb.toFixed(1)} MB`);
  console.log(`  decode     ${f.decodeMs.toFixed(1)} ms  (${f.mbPerS.toFixed(0)} MB/s)`);
  console.log(`  heap added ${f.heapMb.toFixed(1)} MB  (JS heap + array buffers the decoder allocated)`);
  console.log(`  re-encode  ${f.encodeMs.toFixed(1)} ms  ${f.identical ? 'byte-identical' : 'BYTES DIFFER'}`);
}

const files = process.argv.slice(2);
if (files.length > 0) {
  for (const f of files) print('model', measure(f));
} else {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-bench-'));
  try {
    const layers = 100;
    const side = 512; // 100 x 1 MiB of float32 weights: 105 MB
    const raw = path.join(dir, 'raw_data_100mb.onnx');
    const flt = path.join(dir, 'float_data_100mb.onnx');
    fs.writeFileSync(raw, makeModel(layers, side, 'raw'));
    fs.writeFileSync(flt, makeModel(layers, side, 'float'));
    const r = measure(raw);
    print('raw_data', r);
    const generic = genericEncodeMs(raw);
    console.log(`  re-encode with @bufbuild's generic writer: ${generic.toFixed(1)} ms (the chunked encoder is ${(generic / r.encodeMs).toFixed(1)}x faster)`);
    const f = measure(flt);
    print('float_data', f);
    const small = makeModel(10, side, 'float');
    const genericRate = genericFloatDecode(small);
    console.log(`  float_data with @bufbuild's generic reader: ${genericRate.toFixed(0)} MB/s on ${(small.length / 1e6).toFixed(1)} MB ` +
      `(the codec's fast path is ${(f.mbPerS / genericRate).toFixed(0)}x faster)`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
