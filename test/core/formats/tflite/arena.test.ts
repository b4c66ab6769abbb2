import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { planArena } from '../../../../src/core/formats/tflite/arena';
import { encodeTflite, BuiltinOperator, TensorType, type TfliteModelSpec } from '../../../../src/core/formats/tflite/writer';
import { decodeTflite, loadTflite } from '../../../../src/core/formats/tflite/model';

const fixture = (name: string) => path.resolve(__dirname, '../../../fixtures/tflite', name);

/**
 * The tensor arenas the TFLite Micro fixtures' own projects give them (tensorflow/tflite-micro):
 * - hello_world: `kTensorArenaSize = 2056` (tensorflow/lite/micro/examples/hello_world/hello_world_test.cc @01551cf);
 * - micro_speech: `kArenaSize = 28584` (examples/micro_speech/micro_speech_test.cc @042b77b; the larger of this
 *   model's and its audio preprocessor's arena_used_bytes, measured there on an Xtensa P6);
 * - person_detection: `tensor_arena_size = 136 * 1024` (examples/person_detection/person_detection_test.cc @0cc6f98,
 *   the non-Xtensa value).
 */
const UPSTREAM: [string, number][] = [
  ['hello_world_float.tflite', 2056], ['hello_world_int8.tflite', 2056],
  ['micro_speech_quantized.tflite', 28584], ['person_detect.tflite', 136 * 1024],
];

/** Bytes of the inputs and outputs of the op that needs the most at once: no planner can use less. */
function largestWorkingSet(file: string): number {
  const m = loadTflite(file);
  const sg = m.subgraphs[0];
  const size: Record<string, number> = { float32: 4, int8: 1, int32: 4, int16: 2, uint8: 1 };
  const bytes = (t: number) => (t < 0 || m.buffers[sg.tensors[t].buffer]?.kind === 'inline' ? 0 : sg.tensors[t].shape.reduce((a, d) => a * d, 1) * (size[sg.tensors[t].dtype] ?? 4));
  return Math.max(...sg.operators.map((op) => new Set([...op.inputs, ...op.outputs]).size && [...new Set([...op.inputs, ...op.outputs])].reduce((a, t) => a + bytes(t), 0)));
}

describe('formats/tflite arena: TFLite Micro tensor arena estimate (greedy by size, first fit)', () => {
  it('places a chain exactly as the greedy planner does and names the largest live set', () => {
    // x(64 B) -> RELU -> a(256 B) -> RELU -> b(32 B) -> RELU -> y(256 B): a and y never overlap in time.
    const f = (n: number) => [1, n / 4];
    const spec: TfliteModelSpec = {
      description: 'chain', operatorCodes: [{ builtin: BuiltinOperator.RELU, version: 1 }],
      tensors: [['x', 64], ['a', 256], ['b', 32], ['y', 256]].map(([name, n]) => ({ name: name as string, type: TensorType.FLOAT32, shape: f(n as number), buffer: 0 })),
      inputs: [0], outputs: [3],
      operators: [[0, 1], [1, 2], [2, 3]].map(([i, o]) => ({ opcode: 0, inputs: [i], outputs: [o] })),
      buffers: [new Uint8Array(0)], metadata: [],
    };
    const plan = planArena(decodeTflite(encodeTflite(spec), 'chain.tflite'));
    const at = Object.fromEntries(plan.buffers.map((b) => [b.name, [b.offset, b.bytes, b.first, b.last]]));
    // Largest first: a at 0 (ops 0-1), y at 0 (op 2, after a is dead), x above a (op 0), b above a (ops 1-2, y too).
    assert.deepEqual(at, { a: [0, 256, 0, 1], y: [0, 256, 2, 2], x: [256, 64, 0, 0], b: [256, 32, 1, 2] });
    assert.equal(plan.plannedBytes, 320);
    assert.deepEqual(plan.peak, { op: 0, opName: 'RELU', liveBytes: 320, tensors: [{ name: 'a', bytes: 256 }, { name: 'x', bytes: 64 }] });
  });

  for (const [file, upstream] of UPSTREAM) {
    it(`${file}: the estimate fits the ${upstream}-byte arena its TFLite Micro project uses, and covers its largest op`, () => {
      const plan = planArena(loadTflite(fixture(file)));
      assert.ok(plan.arenaBytes <= upstream, `estimate ${plan.arenaBytes} > upstream arena ${upstream}`);
      assert.ok(plan.plannedBytes >= largestWorkingSet(fixture(file)), `planned ${plan.plannedBytes} < the largest op's working set`);
    });
  }

  it('person_detect: the largest live set is the first pointwise CONV_2D\'s 48x48x16 output beside its input', () => {
    const plan = planArena(loadTflite(fixture('person_detect.tflite')));
    assert.equal(plan.peak.opName, 'CONV_2D');
    assert.deepEqual(plan.peak.tensors.map((t) => t.bytes), [48 * 48 * 16, 48 * 48 * 8]);
    assert.equal(plan.flashBytes, 300568);
  });

  it('variable tensors (LSTM state) are counted for the whole run, not planned', () => {
    const plan = planArena(loadTflite(fixture('trained_lstm.tflite')));
    assert.ok(plan.variableBytes > 0);
    assert.ok(!plan.buffers.some((b) => /state/i.test(b.name) && b.bytes === plan.variableBytes));
  });
});
