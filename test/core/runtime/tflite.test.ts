import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TfliteRuntimeUnsupported, TfliteSession } from '../../../src/core/runtime/tflite';
import { generatedFeeds, measureTflite } from '../../../src/core/runtime/tflite-measure';
import { decodeTflite, loadTflite } from '../../../src/core/formats/tflite/model';
import { tfliteRuntimePlan, tfliteRuntimeProblem } from '../../../src/core/formats/tflite/runtime-support';
import { tensorValues } from '../../../src/core/formats/tflite/weights';
import { repoRoot } from '../formats/tflite/build-model';

const fixture = (name: string) => path.join(repoRoot, 'test/fixtures/tflite', name);

/** hello_world_float's three dense layers evaluated in float64 from the weights the reader extracts. */
function referenceHelloWorld(x: number): number {
  const model = loadTflite(fixture('hello_world_float.tflite'));
  const sg = model.subgraphs[0];
  let act = [x];
  for (const op of sg.operators) {
    const w = tensorValues(model, sg.tensors[op.inputs[1]])!;
    const b = tensorValues(model, sg.tensors[op.inputs[2]])!;
    const [units, depth] = sg.tensors[op.inputs[1]].shape;
    const relu = op.attributes.find((a) => a.name === 'fused_activation_function')?.value === 'RELU';
    act = Array.from({ length: units }, (_, u) => {
      let s = b[u];
      for (let k = 0; k < depth; k++) s += w[u * depth + k] * act[k];
      return relu ? Math.max(0, s) : s;
    });
  }
  return act[0];
}

function quantize(x: number, q: { scale: number[]; zeroPoint: number[] }): number {
  return Math.max(-128, Math.min(127, Math.round(x / q.scale[0]) + q.zeroPoint[0]));
}

const dequantize = (v: number, q: { scale: number[]; zeroPoint: number[] }) => (v - q.zeroPoint[0]) * q.scale[0];

describe('tflite runtime: TFLite interpreter (WebAssembly) in Node', function () {
  this.timeout(30000);

  it('hello_world_float matches a float64 evaluation of its own weights', async () => {
    const session = await TfliteSession.create(fixture('hello_world_float.tflite'));
    try {
      assert.deepEqual(session.inputs, [{ name: 'serving_default_dense_input:0', dtype: 'float32', shape: [1, 1] }]);
      for (const x of [0, 0.5, 1, 2, 3, 4.5, 6]) {
        const [y] = await session.run([new Float32Array([x])]);
        const want = referenceHelloWorld(x);
        assert.ok(Math.abs(y[0] - want) < 1e-5, `x=${x}: interpreter ${y[0]}, reference ${want}`);
        assert.ok(Math.abs(y[0] - Math.sin(x)) < 0.25, `x=${x}: the model approximates sin (${y[0]} vs ${Math.sin(x)})`);
      }
    } finally {
      session.dispose();
    }
  });

  it('hello_world_int8 (int8 in and out) agrees with the float model within its quantization steps', async () => {
    const q = loadTflite(fixture('hello_world_int8.tflite')).subgraphs[0];
    const qin = q.tensors[q.inputs[0]].quant!, qout = q.tensors[q.outputs[0]].quant!;
    const session = await TfliteSession.create(fixture('hello_world_int8.tflite'));
    try {
      for (const x of [0.5, 1, 2, 3, 4.5]) {
        const [y] = await session.run([new Int8Array([quantize(x, qin)])]);
        assert.ok(y instanceof Int8Array);
        const got = dequantize(y[0], qout);
        assert.ok(Math.abs(got - referenceHelloWorld(x)) < 0.06, `x=${x}: int8 model ${got}, float model ${referenceHelloWorld(x)}`);
      }
    } finally {
      session.dispose();
    }
  });

  it('trained_lstm and trained_lstm_int8 (LSTM state tensors) agree on synthetic digit-like images', async () => {
    const f = await TfliteSession.create(fixture('trained_lstm.tflite'));
    const q = await TfliteSession.create(fixture('trained_lstm_int8.tflite'));
    const sg = loadTflite(fixture('trained_lstm_int8.tflite')).subgraphs[0];
    const qin = sg.tensors[sg.inputs[0]].quant!, qout = sg.tensors[sg.outputs[0]].quant!;
    try {
      let seed = 7;
      const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
      for (let k = 0; k < 4; k++) {
        // A blob of light pixels on black, like a centred 28x28 digit.
        const img = new Float32Array(28 * 28).map((_, i) => {
          const r = Math.hypot((i % 28) - 14 + rand() * 4, Math.floor(i / 28) - 14 + rand() * 4);
          return r < 6 + 3 * k ? 0.5 + rand() / 2 : 0;
        });
        const [pf] = await f.run([img]);
        const [pq] = await q.run([Int8Array.from(img, (v) => quantize(v, qin))]);
        const probs = Array.from(pq, (v) => dequantize(v, qout));
        assert.ok(Math.abs(Array.from(pf).reduce((a, b) => a + b, 0) - 1) < 1e-4, 'softmax sums to 1');
        for (let c = 0; c < 10; c++) assert.ok(Math.abs(probs[c] - pf[c]) < 0.05, `class ${c}: ${probs[c]} vs ${pf[c]}`);
      }
    } finally {
      f.dispose();
      q.dispose();
    }
  });

  it('person_detect runs after its 1-D bias axes are repaired in a copy; the file is untouched', async () => {
    const file = fixture('person_detect.tflite');
    const before = fs.readFileSync(file);
    const plan = tfliteRuntimePlan(loadTflite(file));
    assert.equal(plan.blockers.length, 0);
    // The 14 DEPTHWISE_CONV_2D biases carry their filter's axis 3; the CONV_2D biases have axis 0.
    assert.equal(plan.repairs.length, 14);
    const session = await TfliteSession.create(file);
    try {
      assert.match(session.warnings[0], /14 per-channel quantized 1-D tensor\(s\) .* run with axis 0/);
      const sg = loadTflite(file).subgraphs[0];
      const qout = sg.tensors[sg.outputs[0]].quant!;
      const [y] = await session.run([new Int8Array(96 * 96).fill(-1)]);
      const probs = Array.from(y, (v) => dequantize(v, qout));
      assert.ok(Math.abs(probs[0] + probs[1] - 1) < 0.01, `two-class softmax sums to 1: ${probs}`);
      const [again] = await session.run([new Int8Array(96 * 96).fill(-1)]);
      assert.deepEqual(Array.from(again), Array.from(y), 'deterministic');
    } finally {
      session.dispose();
    }
    assert.ok(fs.readFileSync(file).equals(before));
  });

  it('forcing person_detect without the repair fails with the interpreter\'s own error', async () => {
    await assert.rejects(TfliteSession.create(fixture('person_detect.tflite'), { skipChecks: true }), (e: unknown) => {
      assert.ok(e instanceof TfliteRuntimeUnsupported);
      assert.match(e.message, /quantized_dimension must be in range \[0, 1\)/);
      assert.ok(!e.message.includes('\n'));
      return true;
    });
  });

  it('a per-channel axis beyond the rank that cannot be repaired blocks the run with one line', () => {
    const model = decodeTflite(fs.readFileSync(fixture('person_detect.tflite')), 'p.tflite');
    // Make one bias look 2-D: the axis no longer names its only dimension.
    const bias = model.subgraphs[0].tensors.find((t) => t.quant?.axis === 3 && t.shape.length === 1)!;
    bias.shape = [1, bias.shape[0]];
    const plan = tfliteRuntimePlan(model);
    assert.equal(plan.blockers.length, 1);
    assert.match(plan.blockers[0].detail, /has quantized_dimension 3, which the TFLite interpreter rejects/);
    assert.equal(tfliteRuntimeProblem(fixture('person_detect.tflite')), null);
  });

  it('every fixture loads: inputs/outputs as the reader sees them', async () => {
    for (const name of fs.readdirSync(path.join(repoRoot, 'test/fixtures/tflite'))) {
      const file = fixture(name);
      const main = loadTflite(file).subgraphs[0];
      const session = await TfliteSession.create(file);
      try {
        assert.deepEqual(session.inputs.map((i) => i.dtype), main.inputs.map((i) => main.tensors[i].dtype), name);
        assert.deepEqual(session.inputs.map((i) => i.shape), main.inputs.map((i) => main.tensors[i].shape), name);
        assert.deepEqual(session.outputs.map((o) => o.dtype), main.outputs.map((i) => main.tensors[i].dtype), name);
      } finally {
        session.dispose();
      }
    }
  });
});

describe('tflite runtime: timed runs', function () {
  this.timeout(30000);

  it('measureTflite times person_detect on generated int8 input', async () => {
    const m = await measureTflite(fixture('person_detect.tflite'), { warmup: 2, runs: 5 });
    assert.equal(m.samplesMs.length, 5);
    assert.ok(m.samplesMs.every((t) => t > 0 && t < 5000));
    assert.ok(m.initMs > 0 && m.firstRunMs > 0);
    assert.deepEqual(m.inputs, [{ name: 'input', dtype: 'int8', shape: [1, 96, 96, 1] }]);
    assert.equal(m.warnings.length, 1);
  });

  it('generated feeds follow each input\'s type and size, and a seed repeats them', () => {
    const io = [{ name: 'a', dtype: 'int8', shape: [1, 4] }, { name: 'b', dtype: 'float32', shape: [-1, 3] }];
    const [a, b] = generatedFeeds(io, 5);
    assert.ok(a instanceof Int8Array && a.length === 4);
    assert.ok(b instanceof Float32Array && b.length === 3 && b.every((v) => v >= 0 && v < 1));
    assert.deepEqual(generatedFeeds(io, 5), [a, b]);
  });
});
