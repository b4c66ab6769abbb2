import { makeNode, makeTensor } from '../../../../src/core/formats/onnx/build';
import { gradCheck } from './gradcheck';

describe('train: elementwise and activation gradients vs finite differences (float64)', () => {
  const bin = (op: string) => it(`${op} with broadcasting`, async () => {
    await gradCheck({
      nodes: [makeNode(op, ['a', 'b'], ['y'])],
      inputs: [{ name: 'a', dims: [2, 3, 4] }, { name: 'b', dims: [3, 1] }],
      outputs: ['y'], wrt: ['a', 'b'],
    });
  });
  for (const op of ['Add', 'Sub', 'Mul', 'Div']) bin(op);

  it('Pow, Sqrt, Exp, Log, Neg, Reciprocal, Abs', async () => {
    await gradCheck({
      nodes: [
        makeNode('Abs', ['a'], ['p']), makeNode('Pow', ['p', 'b'], ['q']), makeNode('Sqrt', ['q'], ['r']), makeNode('Exp', ['r'], ['s']),
        makeNode('Log', ['s'], ['t']), makeNode('Neg', ['t'], ['u']), makeNode('Reciprocal', ['u'], ['y']),
      ],
      inputs: [{ name: 'a', dims: [3, 4] }, { name: 'b', dims: [4] }],
      outputs: ['y'], wrt: ['a', 'b'],
    });
  });

  const unary = (op: string, attrs: Record<string, number | string> = {}) => it(`${op}`, async () => {
    await gradCheck({ nodes: [makeNode(op, ['x'], ['y'], attrs)], inputs: [{ name: 'x', dims: [2, 3, 5] }], outputs: ['y'], wrt: ['x'] });
  });
  unary('Relu'); unary('LeakyRelu', { alpha: 0.1 }); unary('Sigmoid'); unary('Tanh');
  unary('Softmax', { axis: 1 }); unary('LogSoftmax', { axis: -1 });
  it('HardSigmoid (float32)', async () => {
    await gradCheck({ nodes: [makeNode('HardSigmoid', ['x'], ['y'], { alpha: 0.6, beta: 0.4 })], inputs: [{ name: 'x', dims: [2, 3, 5] }], outputs: ['y'], wrt: ['x'], dtype: 'float32', tolerance: 1e-3 });
  });

  it('HardSwish across its three pieces', async () => {
    await gradCheck({ nodes: [makeNode('HardSwish', ['x'], ['y'])], inputs: [{ name: 'x', dims: [20], values: [-5, -4, -3.5, -2.5, -2, -1, -0.5, 0.3, 1, 2, 2.5, 2.9, 3.2, 4, 5, 6, -6, 0.7, 1.5, -1.5] }], outputs: ['y'], wrt: ['x'], dtype: 'float32', tolerance: 1e-3 });
  });

  it('Clip (ReLU6) from inputs', async () => {
    await gradCheck({
      nodes: [makeNode('Clip', ['x', 'lo', 'hi'], ['y'])],
      inputs: [{ name: 'x', dims: [4, 5], values: Array.from({ length: 20 }, (_, i) => i * 0.53 - 3.1) }],
      consts: [makeTensor('lo', 'float64', [], new Float64Array([0])), makeTensor('hi', 'float64', [], new Float64Array([6]))],
      outputs: ['y'], wrt: ['x'],
    });
  });

  it('Softmax at opset 11 (coerced to 2-D from the axis)', async () => {
    await gradCheck({ nodes: [makeNode('Softmax', ['x'], ['y'], { axis: 1 })], inputs: [{ name: 'x', dims: [2, 3, 4] }], outputs: ['y'], wrt: ['x'], opset: 11 });
  });

  it('Where, Expand, Sum, Identity, Cast', async () => {
    await gradCheck({
      nodes: [
        makeNode('Greater', ['a', 'z'], ['cond']), makeNode('Where', ['cond', 'a', 'b'], ['w']),
        makeNode('Expand', ['c', 'shape'], ['e']), makeNode('Sum', ['w', 'e', 'a'], ['s']), makeNode('Identity', ['s'], ['i']),
        makeNode('Cast', ['i'], ['y'], { to: 11 }),
      ],
      inputs: [{ name: 'a', dims: [3, 4] }, { name: 'b', dims: [4] }, { name: 'c', dims: [1, 4] }],
      consts: [makeTensor('z', 'float64', [], new Float64Array([0])), makeTensor('shape', 'int64', [2], new BigInt64Array([3n, 4n]))],
      outputs: ['y'], wrt: ['a', 'b', 'c'],
    });
  });
});
