import { makeNode, makeTensor } from '../../../../src/core/formats/onnx/build';
import { gradCheck } from './gradcheck';

const i64 = (name: string, values: number[]) => makeTensor(name, 'int64', [values.length], BigInt64Array.from(values, BigInt));

describe('train: shape-op gradients vs finite differences (float64)', () => {
  it('Reshape, Flatten, Squeeze, Unsqueeze, Transpose', async () => {
    await gradCheck({
      nodes: [
        makeNode('Reshape', ['x', 'shape'], ['r']), makeNode('Transpose', ['r'], ['t'], { perm: [2, 0, 1] }),
        makeNode('Unsqueeze', ['t', 'ax0'], ['u']), makeNode('Squeeze', ['u', 'ax0'], ['s']), makeNode('Flatten', ['s'], ['y'], { axis: 2 }),
      ],
      inputs: [{ name: 'x', dims: [2, 12] }],
      consts: [i64('shape', [2, 3, 4]), i64('ax0', [0])],
      outputs: ['y'], wrt: ['x'],
    });
  });

  it('Concat and Split (an output left unused)', async () => {
    await gradCheck({
      nodes: [makeNode('Concat', ['a', 'b'], ['c'], { axis: 1 }), makeNode('Split', ['c', 'sizes'], ['p', 'q', 'r'], { axis: 1 }), makeNode('Mul', ['p', 'r'], ['y'])],
      inputs: [{ name: 'a', dims: [2, 3, 2] }, { name: 'b', dims: [2, 4, 2] }],
      consts: [i64('sizes', [2, 3, 2])],
      outputs: ['y'], wrt: ['a', 'b'],
    });
  });

  it('Slice with steps 1, 2, -1 and negative starts on several axes', async () => {
    await gradCheck({
      nodes: [makeNode('Slice', ['x', 'starts', 'ends', 'axes', 'steps'], ['y'])],
      inputs: [{ name: 'x', dims: [3, 7, 8] }],
      consts: [i64('starts', [1, 0, -2]), i64('ends', [3, 7, 0]), i64('axes', [0, 1, 2]), i64('steps', [1, 2, -2])],
      outputs: ['y'], wrt: ['x'],
    });
  });

  it('Gather along axis 0 with repeated and negative indices, and along axis 1 with a scalar index', async () => {
    await gradCheck({
      nodes: [makeNode('Gather', ['x', 'idx'], ['y'], { axis: 0 })],
      inputs: [{ name: 'x', dims: [5, 3] }, { name: 'idx', dims: [2, 2], int64: [1, -1, 1, 0] }],
      outputs: ['y'], wrt: ['x'],
    });
    await gradCheck({
      nodes: [makeNode('Gather', ['x', 'idx'], ['y'], { axis: 1 })],
      inputs: [{ name: 'x', dims: [2, 4, 3] }], consts: [makeTensor('idx', 'int64', [], BigInt64Array.of(2n))],
      outputs: ['y'], wrt: ['x'],
    });
  });

  it('Gather at opset 13 (one-hot product instead of ScatterND)', async () => {
    await gradCheck({
      nodes: [makeNode('Gather', ['x', 'idx'], ['y'], { axis: 1 })],
      inputs: [{ name: 'x', dims: [2, 4, 3] }, { name: 'idx', dims: [3], int64: [3, 3, -4] }],
      outputs: ['y'], wrt: ['x'], opset: 13,
    });
  });

  it('Pad (constant, with negative pads)', async () => {
    await gradCheck({
      nodes: [makeNode('Pad', ['x', 'pads'], ['y'], { mode: 'constant' })],
      inputs: [{ name: 'x', dims: [2, 3, 4] }], consts: [i64('pads', [0, 1, -1, 0, 2, 1])],
      outputs: ['y'], wrt: ['x'],
    });
  });

  it('ReduceSum and ReduceMean (keepdims 0 and 1, opset 13 and 18 forms)', async () => {
    for (const opset of [13, 18]) {
      await gradCheck({
        nodes: [
          makeNode('ReduceSum', ['x', 'axes'], ['s'], { keepdims: 0 }),
          opset >= 18 ? makeNode('ReduceMean', ['x', 'axes2'], ['m']) : makeNode('ReduceMean', ['x'], ['m'], { axes: [0, 2] }),
          makeNode('ReduceSum', ['s'], ['t'], { keepdims: 1 }),
          makeNode('Mul', ['m', 't'], ['y']),
        ],
        inputs: [{ name: 'x', dims: [2, 3, 4] }], consts: [i64('axes', [1]), i64('axes2', [0, 2])],
        outputs: ['y'], wrt: ['x'], opset,
      });
    }
  });

  it('ReduceSum at opset 11 (axes attribute) and Dropout in inference mode', async () => {
    await gradCheck({
      nodes: [makeNode('Dropout', ['x'], ['d']), makeNode('ReduceSum', ['d'], ['y'], { axes: [-1], keepdims: 0 })],
      inputs: [{ name: 'x', dims: [3, 4] }], outputs: ['y'], wrt: ['x'], opset: 11,
    });
  });
});
