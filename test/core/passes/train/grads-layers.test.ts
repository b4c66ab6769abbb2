import { makeNode, makeTensor } from '../../../../src/core/formats/onnx/build';
import { gradCheck, randomValues } from './gradcheck';

describe('train: layer gradients vs finite differences', () => {
  it('Erf and the exported GELU pattern (float32)', async () => {
    await gradCheck({
      nodes: [
        makeNode('Div', ['x', 'sqrt2'], ['d']), makeNode('Erf', ['d'], ['e']), makeNode('Add', ['e', 'one'], ['f']),
        makeNode('Mul', ['x', 'f'], ['g']), makeNode('Mul', ['g', 'half'], ['y']),
      ],
      inputs: [{ name: 'x', dims: [3, 7] }],
      consts: [makeTensor('sqrt2', 'float32', [], new Float32Array([Math.SQRT2])), makeTensor('one', 'float32', [], new Float32Array([1])), makeTensor('half', 'float32', [], new Float32Array([0.5]))],
      outputs: ['y'], wrt: ['x'], dtype: 'float32', step: 1e-2, tolerance: 1e-3,
    });
  });

  for (const approximate of ['none', 'tanh']) {
    it(`Gelu (opset 20, approximate=${approximate})`, async () => {
      await gradCheck({ nodes: [makeNode('Gelu', ['x'], ['y'], { approximate })], inputs: [{ name: 'x', dims: [4, 6] }], outputs: ['y'], wrt: ['x'], opset: 20, dtype: 'float32', step: 1e-2, tolerance: 1e-3 });
    });
  }

  for (const [transA, transB] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
    it(`Gemm transA=${transA} transB=${transB} alpha, beta, broadcast bias`, async () => {
      await gradCheck({
        nodes: [makeNode('Gemm', ['a', 'b', 'c'], ['y'], { transA, transB, alpha: 0.7, beta: 1.3 })],
        inputs: [{ name: 'a', dims: transA ? [4, 3] : [3, 4] }, { name: 'b', dims: transB ? [5, 4] : [4, 5] }, { name: 'c', dims: [5] }],
        outputs: ['y'], wrt: ['a', 'b', 'c'],
      });
    });
  }

  const matmul = (title: string, a: number[], b: number[]) => it(`MatMul ${title}`, async () => {
    await gradCheck({ nodes: [makeNode('MatMul', ['a', 'b'], ['y'])], inputs: [{ name: 'a', dims: a }, { name: 'b', dims: b }], outputs: ['y'], wrt: ['a', 'b'] });
  });
  matmul('2-D', [3, 4], [4, 5]);
  matmul('batched x 2-D weight (a linear layer)', [2, 3, 4], [4, 5]);
  matmul('batched x batched', [2, 3, 4], [2, 4, 5]);
  matmul('broadcast batch axes', [2, 1, 3, 4], [3, 4, 2]);
  matmul('1-D x 2-D', [4], [4, 5]);
  matmul('3-D x 1-D', [2, 3, 4], [4]);

  it('MatMul of a linear layer with a symbolic batch', async () => {
    await gradCheck({ nodes: [makeNode('MatMul', ['a', 'b'], ['y'])], inputs: [{ name: 'a', dims: [2, 3, 4], declared: ['N', 3, 4] }, { name: 'b', dims: [4, 5] }], outputs: ['y'], wrt: ['a', 'b'] });
  });

  const conv = (title: string, x: number[], w: number[], attrs: Record<string, number | number[] | string>) => it(`Conv ${title}`, async () => {
    await gradCheck({
      nodes: [makeNode('Conv', ['x', 'w', 'b'], ['y'], attrs)],
      inputs: [{ name: 'x', dims: x, declared: ['N', ...x.slice(1)] }, { name: 'w', dims: w }, { name: 'b', dims: [w[0]] }],
      outputs: ['y'], wrt: ['x', 'w', 'b'], dtype: 'float32', step: 0.5, tolerance: 1e-5, samples: 48,
    });
  });
  conv('3x3 pad 1', [2, 3, 6, 6], [4, 3, 3, 3], { pads: [1, 1, 1, 1] });
  conv('stride 2, uneven input, asymmetric pads', [2, 2, 7, 6], [3, 2, 3, 2], { strides: [2, 2], pads: [1, 0, 0, 1] });
  conv('dilation 2', [1, 2, 8, 8], [2, 2, 3, 3], { dilations: [2, 2], pads: [2, 2, 2, 2] });
  conv('groups 2', [2, 4, 5, 5], [6, 2, 3, 3], { group: 2, pads: [1, 1, 1, 1] });
  conv('depthwise stride 2', [2, 4, 7, 7], [4, 1, 3, 3], { group: 4, strides: [2, 2], pads: [1, 1, 1, 1] });
  conv('depthwise with multiplier 2', [2, 3, 5, 5], [6, 1, 3, 3], { group: 3, pads: [1, 1, 1, 1] });
  conv('auto_pad SAME_UPPER stride 2', [1, 2, 6, 5], [3, 2, 3, 3], { auto_pad: 'SAME_UPPER', strides: [2, 2] });
  conv('1-D', [2, 3, 9], [4, 3, 3], { strides: [2], pads: [1, 1] });

  const convT = (title: string, x: number[], w: number[], attrs: Record<string, number | number[] | string>) => it(`ConvTranspose ${title}`, async () => {
    await gradCheck({
      nodes: [makeNode('ConvTranspose', ['x', 'w', 'b'], ['y'], attrs)],
      inputs: [{ name: 'x', dims: x }, { name: 'w', dims: w }, { name: 'b', dims: [w[1] * ((attrs.group as number) ?? 1)] }],
      outputs: ['y'], wrt: ['x', 'w', 'b'], dtype: 'float32', step: 0.5, tolerance: 1e-5, samples: 48,
    });
  });
  convT('stride 2 pad 1', [2, 3, 4, 4], [3, 2, 3, 3], { strides: [2, 2], pads: [1, 1, 1, 1] });
  convT('stride 2 output_padding 1, groups 2', [1, 4, 3, 3], [4, 1, 3, 3], { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1], group: 2 });
  convT('output_shape', [1, 2, 3, 3], [2, 2, 4, 4], { strides: [2, 2], output_shape: [6, 6] });

  it('MaxPool 2x2 stride 2 and overlapping 3x3 stride 2 with padding', async () => {
    for (const attrs of [{ kernel_shape: [2, 2], strides: [2, 2] }, { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }]) {
      await gradCheck({ nodes: [makeNode('MaxPool', ['x'], ['y'], attrs)], inputs: [{ name: 'x', dims: [2, 3, 6, 6] }], outputs: ['y'], wrt: ['x'] });
    }
  });

  for (const [title, attrs] of [
    ['2x2', { kernel_shape: [2, 2], strides: [2, 2] }],
    ['3x3 stride 2 pads, excluding pads', { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }],
    ['3x3 stride 2 pads, counting pads', { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1 }],
    ['3x3 stride 2 ceil_mode', { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 }],
  ] as const) {
    it(`AveragePool ${title}`, async () => {
      await gradCheck({ nodes: [makeNode('AveragePool', ['x'], ['y'], attrs as never)], inputs: [{ name: 'x', dims: [2, 3, 6, 6] }], outputs: ['y'], wrt: ['x'], dtype: 'float32', step: 0.5, tolerance: 1e-5 });
    });
  }

  it('GlobalAveragePool', async () => {
    await gradCheck({ nodes: [makeNode('GlobalAveragePool', ['x'], ['y'])], inputs: [{ name: 'x', dims: [2, 3, 4, 5], declared: ['N', 3, 4, 5] }], outputs: ['y'], wrt: ['x'], dtype: 'float32', step: 0.5, tolerance: 1e-5 });
  });

  it('BatchNormalization with stored statistics', async () => {
    await gradCheck({
      nodes: [makeNode('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['y'], { epsilon: 1e-3 })],
      inputs: [{ name: 'x', dims: [2, 3, 4, 4] }, { name: 's', dims: [3] }, { name: 'b', dims: [3] }],
      consts: [makeTensor('m', 'float64', [3], Float64Array.from([0.1, -0.2, 0.3])), makeTensor('v', 'float64', [3], Float64Array.from([0.5, 1.5, 2]))],
      outputs: ['y'], wrt: ['x', 's', 'b'],
    });
  });

  it('LayerNormalization over the last two axes', async () => {
    await gradCheck({
      nodes: [makeNode('LayerNormalization', ['x', 's', 'b'], ['y'], { axis: -2, epsilon: 1e-5 })],
      inputs: [{ name: 'x', dims: [2, 3, 4], values: randomValues(24).map((v, i) => v * (1 + (i % 5))) }, { name: 's', dims: [3, 4] }, { name: 'b', dims: [3, 4] }],
      outputs: ['y'], wrt: ['x', 's', 'b'], dtype: 'float32', step: 1e-2, tolerance: 3e-3,
    });
  });
});
