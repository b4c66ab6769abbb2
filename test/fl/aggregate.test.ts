import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadModel, saveModel } from '../../src/core/formats/onnx/io';
import { encodeDelta, decodeDelta, deltaByteLength, asDeltaTensors } from '../../src/fl/delta';
import { DeltaAggregator } from '../../src/fl/aggregate';
import { modelWeights, withWeights } from '../../src/fl/weights';
import { makeTensor } from '../../src/core/formats/onnx/build';
import { ensureCliBuilt, runCli } from '../cli/run';
import { FIXTURES, randomFloats, tempDir } from '../helpers/onnx-models';
import { pythonOnnxMissing, runPythonJson } from '../python/onnx_python';

const CNN = path.join(FIXTURES, 'fmnist_cnn.onnx');
const MODEL_ID = '0123456789abcdef0123456789abcdef';

/** A client's model: the base's float32 weights plus seeded noise of size `scale`. */
function clientModel(dir: string, k: number, scale: number): string {
  const base = loadModel(CNN);
  const w = modelWeights(base).map((t, i) => {
    const noise = randomFloats(t.values.length, 100 * k + i);
    return { ...t, values: Float32Array.from(t.values, (v, j) => v + scale * (noise[j] - 0.5)) };
  });
  const file = path.join(dir, `client${k}.onnx`);
  saveModel(withWeights(base, w), file);
  return file;
}

describe('fl aggregate', () => {
  let dir: string;
  before(() => {
    assert.equal(pythonOnnxMissing(), undefined, 'the NumPy reference needs python3-onnx and python3-numpy');
    ensureCliBuilt();
    dir = tempDir();
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('equals an independent NumPy FedAvg to 1e-6 (models, server learning rate, float32 and int8 delta files)', () => {
    const clients = [clientModel(dir, 1, 0.02), clientModel(dir, 2, 0.05), clientModel(dir, 3, 0.01)];
    const samples = [120, 37, 900];
    // A fourth client as an int8 delta file: the reference decodes the bytes itself.
    const base = modelWeights(loadModel(CNN));
    const d4 = base.map((t, i) => ({ name: t.name, dims: t.dims, values: randomFloats(t.values.length, 900 + i).map((x) => 0.03 * (x - 0.5)) }));
    fs.writeFileSync(path.join(dir, 'c4.ewfd'), encodeDelta({ encoding: 'int8', round: 0, samples: 55, model: MODEL_ID }, d4));
    fs.writeFileSync(path.join(dir, 'c5.ewfd'), encodeDelta({ encoding: 'float32', round: 0, samples: 8, model: MODEL_ID }, d4));
    for (const [name, eta, extra] of [['next1.onnx', 1, []], ['next2.onnx', 0.5, [path.join(dir, 'c4.ewfd'), `${path.join(dir, 'c5.ewfd')}:20`]]] as const) {
      const out = path.join(dir, name);
      const args = ['fl', 'aggregate', '--base', CNN, ...clients.map((c, k) => `${c}:${samples[k]}`), ...extra, '--out', out, '--server-lr', String(eta), '--json'];
      const r = runCli(args, 60_000);
      assert.equal(r.code, 0, r.stderr);
      const json = JSON.parse(r.stdout);
      assert.equal(json.output, out);
      assert.equal(json.samples, samples.reduce((a, b) => a + b) + (extra.length ? 55 + 20 : 0));
      const spec = path.join(dir, `${name}.json`);
      const specClients = [...clients.map((c, k) => [c, samples[k]]), ...(extra.length ? [[path.join(dir, 'c4.ewfd'), 0], [path.join(dir, 'c5.ewfd'), 20]] : [])];
      fs.writeFileSync(spec, JSON.stringify({ base: CNN, clients: specClients, serverLr: eta, output: out }));
      const diffs = runPythonJson<Record<string, number>>('fedavg_reference.py', [spec]);
      assert.equal(Object.keys(diffs).length, base.length);
      for (const [t, d] of Object.entries(diffs)) assert.ok(d <= 1e-6, `${name} ${t}: |ours - numpy| = ${d}`);
    }
  });

  it('refuses clients whose fixed initializers, shapes or counts differ, naming the file', () => {
    // The base gains an int64 initializer (not averaged); the client changes it.
    const withShape = (v: bigint) => {
      const m = withWeights(loadModel(CNN), []);
      m.graph.proto.initializer.push(makeTensor('fixed.shape', 'int64', [2], BigInt64Array.from([1n, v])));
      m.graph.invalidate();
      return m;
    };
    const base = path.join(dir, 'base-shape.onnx');
    const file = path.join(dir, 'bad.onnx');
    saveModel(withShape(1600n), base);
    saveModel(withShape(1601n), file);
    const r = runCli(['fl', 'aggregate', '--base', base, `${file}:10`, '--out', path.join(dir, 'x.onnx')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /bad\.onnx: initializer 'fixed\.shape' \(int64, not averaged\) differs from the base's/);
    const r2 = runCli(['fl', 'aggregate', '--base', base, file, '--out', path.join(dir, 'y.onnx')]);
    assert.equal(r2.code, 1);
    assert.match(r2.stderr, /say how many samples/);
    const r3 = runCli(['fl', 'aggregate', '--base', base, `${file}:10`, '--out', base, '--force']);
    assert.equal(r3.code, 1);
    assert.match(r3.stderr, /is the input model/);
    assert.ok(!fs.existsSync(path.join(dir, 'x.onnx')) && !fs.existsSync(path.join(dir, 'y.onnx')));
    const r4 = runCli(['fl', 'aggregate', '--base', CNN, `${CNN}:5`, '--noise-multiplier', '1']);
    assert.equal(r4.code, 2);
    assert.match(r4.stderr, /needs --clip/);
  });
});

describe('delta format', () => {
  const shapes = [{ name: 'conv.weight', dims: [8, 1, 3, 3] }, { name: 'b', dims: [7] }, { name: 'scalar', dims: [] }];
  const tensors = shapes.map((s, k) => ({ ...s, values: randomFloats(s.dims.reduce((a, b) => a * b, 1), k).map((x) => x - 0.5) }));

  it('round-trips float32 exactly and int8 within half a step, at the size the server expects', () => {
    for (const encoding of ['float32', 'int8'] as const) {
      const bytes = encodeDelta({ encoding, round: 7, samples: 42, model: MODEL_ID }, tensors);
      assert.equal(bytes.length, deltaByteLength(shapes, encoding));
      const d = decodeDelta(bytes, shapes);
      assert.deepEqual([d.round, d.samples, d.model, d.encoding], [7, 42, MODEL_ID, encoding]);
      d.tensors.forEach((t, k) => {
        const max = Math.max(...tensors[k].values.map(Math.abs));
        t.values!.forEach((v, i) => assert.ok(Math.abs(v - tensors[k].values[i]) <= (encoding === 'int8' ? max / 254 + 1e-7 : 0)));
      });
    }
    const f = deltaByteLength(shapes, 'float32');
    const q = deltaByteLength(shapes, 'int8');
    assert.ok(q < f / 2, `int8 ${q} bytes vs float32 ${f}`);
  });

  it('rejects cut, padded, foreign and mis-shaped deltas with a message that says which', () => {
    const bytes = encodeDelta({ encoding: 'float32', round: 1, samples: 1, model: MODEL_ID }, tensors);
    assert.throws(() => decodeDelta(bytes.subarray(0, bytes.length - 8), shapes), /cut short/);
    assert.throws(() => decodeDelta(Buffer.concat([bytes, Buffer.alloc(8)]), shapes), /8 bytes after its last tensor/);
    assert.throws(() => decodeDelta(Buffer.from('{"json": true}'), shapes), /shorter than its 40-byte header|bad magic/);
    assert.throws(() => decodeDelta(bytes, [shapes[0], { name: 'b', dims: [8] }, shapes[2]]), /tensor 1 of the delta is 'b' \[7\], the model's is 'b' \[8\]/);
    assert.throws(() => decodeDelta(bytes, shapes.slice(0, 2)), /3 tensors, the model 2/);
  });

  it('aggregates without holding deltas: a NaN delta is refused and leaves the sum unchanged', () => {
    const base = tensors.map((t) => ({ ...t, values: new Float32Array(t.values.length) }));
    const agg = new DeltaAggregator(base);
    agg.add(asDeltaTensors(tensors), 3);
    const nan = tensors.map((t) => ({ ...t, values: Float32Array.from(t.values) }));
    nan[1].values[2] = NaN;
    assert.throws(() => agg.add(nan, 5), /'b' holds NaN at element 2/);
    const r = agg.finish();
    assert.equal(r.clients, 1);
    r.weights.forEach((t, k) => assert.deepEqual(Array.from(t.values), Array.from(tensors[k].values)));
  });
});
