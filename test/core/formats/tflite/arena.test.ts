import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { planArena } from '../../../../src/core/formats/tflite/arena';
import { structSizes } from '../../../../src/core/formats/tflite/tflm-memory';
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

/**
 * What TFLite Micro itself measures for the keyword model (keyword_scrambled.tflite, 54 tensors, 15 ops) in
 * tensorflow/lite/micro/memory_arena_threshold_test.cc @1259503 on x86-64, TF_LITE_STATIC_MEMORY build, the
 * RecordingMicroAllocator's own overhead excluded; the test there allows 3% either way.
 */
const KEYWORD_X86_64 = { head: 672, tail: 13800, total: 14472, variables: 10240, builtinData: 148, ioTensors: 128, ioQuantization: 64, kernelData: 840 };
const near = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) <= 0.03 * expected, `${what}: ${actual} vs TFLite Micro's ${expected}`);

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
    // Scopes: graph input x created at 0, op i's output at i + 1, the graph output y lives to the end (3).
    // Largest first: a at 0 (1-2), y at 0 (3, after a is dead), x above a (0-1), b above a (2-3, y too).
    assert.deepEqual(at, { a: [0, 256, 1, 2], y: [0, 256, 3, 3], x: [256, 64, 0, 1], b: [256, 32, 2, 3] });
    assert.equal(plan.plannedBytes, 320);
    assert.deepEqual(plan.peak, { op: 0, opName: 'RELU', liveBytes: 320, tensors: [{ name: 'a', bytes: 256 }, { name: 'x', bytes: 64 }] });
    assert.equal(plan.arenaBytes, plan.persistentBytes + Math.max(plan.plannedBytes, plan.planningBytes));
  });

  it('keyword model: head, tail and their parts within 3% of what TFLite Micro measures for it on x86-64', () => {
    const plan = planArena(loadTflite(fixture('keyword_scrambled.tflite')), { pointerBytes: 8, kernels: 'reference' });
    const sizes = structSizes(8);
    const p = plan.persistent;
    // The head: activations and the SVDF kernels' 14 scratch buffers, planned together.
    assert.equal(plan.scratch.length, 14);
    near(plan.plannedBytes, KEYWORD_X86_64.head, 'head (planned activations and scratch)');
    assert.equal(p.evalTensors, 24 * 54);
    assert.equal(sizes.evalTensor, 24);
    assert.equal(p.variables, KEYWORD_X86_64.variables);
    assert.equal(p.builtinData, KEYWORD_X86_64.builtinData);
    assert.equal(p.ioTensors, KEYWORD_X86_64.ioTensors + KEYWORD_X86_64.ioQuantization);
    // The average OpData size comes from this model's measurement, so the tail and total check the rest.
    near(p.kernelData, KEYWORD_X86_64.kernelData, 'kernels\' persistent data');
    near(plan.persistentBytes - p.runtime, KEYWORD_X86_64.tail, 'tail (persistent)');
    near(plan.persistentBytes - p.runtime + plan.plannedBytes, KEYWORD_X86_64.total, 'total used');
    // Planning needs more than the head here: the arena must hold that too, for the moment it takes.
    assert.ok(plan.planningBytes > plan.plannedBytes);
    assert.equal(plan.arenaBytes, plan.persistentBytes + plan.planningBytes);
  });

  it('32-bit pointers (a Cortex-M) make TFLite Micro\'s structs smaller than on x86-64', () => {
    const m = loadTflite(fixture('keyword_scrambled.tflite'));
    const m4 = planArena(m);
    const x64 = planArena(m, { pointerBytes: 8, kernels: 'reference' });
    assert.equal(m4.persistent.evalTensors, 12 * 54);
    assert.equal(m4.plannedBytes, x64.plannedBytes);
    assert.ok(m4.persistentBytes < x64.persistentBytes);
  });

  it('CMSIS-NN kernels add im2col scratch where they need it, planned in its op\'s scope; per-channel data per conv', () => {
    // int8: x -> CONV 3x3 -> a -> CONV 1x1 -> b -> DEPTHWISE 5x5 -> c -> DEPTHWISE 3x3 (own kernel, no scratch) -> y.
    const q = { scale: [0.1], zeroPoint: [0] };
    const act = (name: string, c: number) => ({ name, type: TensorType.INT8, shape: [1, 8, 8, c], buffer: 0, quant: q });
    const weights = (name: string, shape: number[], buffer: number) => ({ name, type: TensorType.INT8, shape, buffer, quant: { scale: new Array(shape[0] === 1 ? shape[3] : shape[0]).fill(0.01), zeroPoint: new Array(shape[0] === 1 ? shape[3] : shape[0]).fill(0) } });
    const shapes = [[4, 3, 3, 3], [8, 1, 1, 4], [1, 5, 5, 8], [1, 3, 3, 8]];
    const spec: TfliteModelSpec = {
      description: 'convs',
      operatorCodes: [{ builtin: BuiltinOperator.CONV_2D, version: 3 }, { builtin: BuiltinOperator.DEPTHWISE_CONV_2D, version: 3 }],
      tensors: [act('x', 3), act('a', 4), act('b', 8), act('c', 8), act('y', 8), ...shapes.map((sh, i) => weights(`w${i}`, sh, i + 1))],
      inputs: [0], outputs: [4],
      operators: [0, 0, 1, 1].map((opcode, i) => ({ opcode, inputs: [i, 5 + i], outputs: [i + 1] })),
      buffers: [new Uint8Array(0), ...shapes.map((sh) => new Uint8Array(sh.reduce((a, d) => a * d, 1)))], metadata: [],
    };
    const m = decodeTflite(encodeTflite(spec), 'convs.tflite');
    const ref = planArena(m);
    const cmsis = planArena(m, { pointerBytes: 4, kernels: 'cmsis-nn' });
    assert.deepEqual(ref.scratch, []);
    assert.deepEqual(cmsis.scratch.map((r) => [r.op, r.bytes]), [[0, 2 * 3 * 3 * 3 * 2], [2, 8 * 5 * 5 * 2]]);
    const b = cmsis.buffers.filter((x) => x.tensor === -1).map((x) => [x.first, x.last]);
    assert.deepEqual(b, [[1, 1], [3, 3]]);
    // 4 kernels' OpData (48 B each with 4-byte pointers) + an int32 multiplier and shift per output channel, 16-B aligned.
    assert.equal(ref.persistent.kernelData, 4 * 48 + 2 * (16 + 32 + 32 + 32));
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
