import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { TfliteRuntimeUnsupported, TfliteSession } from '../../../src/core/runtime/tflite';
import { loadTflite } from '../../../src/core/tflite/model';
import { tfliteRuntimeBlockers, tfliteRuntimeProblem } from '../../../src/core/tflite/runtime-support';
import { tensorValues } from '../../../src/core/tflite/weights';
import { repoRoot } from '../tflite/build-model';

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

describe('tflite runtime: LiteRT.js (WebAssembly) in Node', function () {
  this.timeout(30000);

  it('runs hello_world_float (dynamic batch pinned to 1) and matches a float64 evaluation of its weights', async () => {
    const session = await TfliteSession.create(fixture('hello_world_float.tflite'));
    try {
      assert.deepEqual(session.inputs, [{ name: 'serving_default_dense_input:0', dtype: 'float32', shape: [1, 1] }]);
      for (const x of [0, 0.5, 1, 2, 3, 4.5, 6]) {
        const [y] = await session.run([new Float32Array([x])]);
        const want = referenceHelloWorld(x);
        assert.ok(Math.abs(y[0] - want) < 1e-5, `x=${x}: LiteRT.js ${y[0]}, reference ${want}`);
        assert.ok(Math.abs(y[0] - Math.sin(x)) < 0.25, `x=${x}: the model approximates sin (${y[0]} vs ${Math.sin(x)})`);
      }
    } finally {
      session.dispose();
    }
  });

  it('names why each of the other fixtures cannot run, before loading it', () => {
    const kinds = (file: string) => [...new Set(tfliteRuntimeBlockers(loadTflite(fixture(file))).map((b) => b.kind))].sort();
    assert.deepEqual(kinds('hello_world_float.tflite'), []);
    assert.deepEqual(kinds('hello_world_int8.tflite'), ['io-dtype']);
    assert.deepEqual(kinds('micro_speech_quantized.tflite'), ['io-dtype']);
    assert.deepEqual(kinds('keyword_scrambled.tflite'), ['io-dtype', 'variable-tensors']);
    assert.deepEqual(kinds('trained_lstm.tflite'), ['variable-tensors']);
    assert.deepEqual(kinds('trained_lstm_int8.tflite'), ['io-dtype', 'variable-tensors']);
    assert.deepEqual(kinds('person_detect.tflite'), ['io-dtype', 'quantized-dimension']);
    assert.deepEqual(kinds('dtln_noise_suppression.tflite'), ['io-dtype', 'variable-tensors']);
  });

  it('the reasons are the runtime\'s own: forcing a load fails with the predicted error', async () => {
    const cases: [string, RegExp][] = [
      ['trained_lstm.tflite', /Variable tensors not yet supported/],
      ['hello_world_int8.tflite', /Element type INT8 is not supported/],
      ['person_detect.tflite', /quantized_dimension must be in range \[0, 1\)/],
    ];
    for (const [file, error] of cases) {
      await assert.rejects(TfliteSession.create(fixture(file), { skipChecks: true }), (e: unknown) => {
        assert.ok(e instanceof TfliteRuntimeUnsupported);
        assert.match(e.message, error);
        return true;
      });
    }
  });

  it('the CLI message is one line naming the file and the reason', async () => {
    await assert.rejects(TfliteSession.create(fixture('trained_lstm_int8.tflite')), (e: unknown) => {
      assert.ok(e instanceof TfliteRuntimeUnsupported);
      assert.ok(e.message.startsWith(`${fixture('trained_lstm_int8.tflite')}: LiteRT.js 2.5.3`));
      assert.match(e.message, /variable tensor/);
      assert.match(e.message, /are int8/);
      assert.ok(!e.message.includes('\n'));
      return true;
    });
  });
});

describe('tflite runtime: the bench/eval guard', () => {
  it('tfliteRuntimeProblem: null for a runnable model, the one-line message otherwise', () => {
    assert.equal(tfliteRuntimeProblem(fixture('hello_world_float.tflite')), null);
    const message = tfliteRuntimeProblem(fixture('micro_speech_quantized.tflite'))!;
    assert.match(message, /micro_speech_quantized\.tflite: LiteRT\.js 2\.5\.3 .* cannot run this model: its inputs\/outputs 'Reshape_1', 'labels_softmax' are int8/);
  });
});
