import * as assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { makeNode, makeTensor, makeValueInfo } from '../../../../src/core/formats/onnx/build';
import type { LossSpec } from '../../../../src/core/passes/train/losses';
import { TrainingSession, type TrainingBatch } from '../../../../src/core/runtime/training-session';
import { buildModel } from '../../../helpers/onnx-models';
import { randomValues } from './gradcheck';

const N = 4;
const D = 3;
const C = 5;

/** logits = x W + b, so d(loss)/dW checks the loss's gradient with respect to the logits. */
function linearModel() {
  return buildModel(
    [makeNode('MatMul', ['x', 'w'], ['m']), makeNode('Add', ['m', 'b'], ['logits'])],
    [makeValueInfo('x', 'float32', ['N', D])], [makeValueInfo('logits', 'float32', ['N', C])],
    [makeTensor('w', 'float32', [D, C], Float32Array.from(randomValues(D * C))), makeTensor('b', 'float32', [C], Float32Array.from(randomValues(C)))],
  );
}

async function checkLoss(loss: LossSpec, expected: (logits: Float32Array, batch: TrainingBatch) => number): Promise<void> {
  const session = await TrainingSession.create(linearModel(), { loss, optimizer: { kind: 'sgd' } });
  const batch: TrainingBatch = {
    inputs: { x: new ort.Tensor('float32', Float32Array.from(randomValues(N * D)), [N, D]) },
    labels: Int32Array.from([0, 3, 4, 1]),
    teacherLogits: Float32Array.from(randomValues(N * C).map((v) => v * 3)),
    targets: Float32Array.from(randomValues(N * C)),
  };
  if (loss.kind === 'mse') delete batch.labels;
  const base = await session.computeGradients(batch);
  const want = expected(base.output, batch);
  assert.ok(Math.abs(base.loss - want) < 1e-5 * Math.max(1, Math.abs(want)), `loss ${base.loss} vs ${want} computed independently`);
  const analytic = Float64Array.from(session.gradients[session.parameters.findIndex((p) => p.name === 'w')]);
  const w = session.weights().get('w')!;
  const h = 1e-2;
  let num = 0;
  let den = 0;
  for (let i = 0; i < w.length; i++) {
    const keep = w[i];
    w[i] = keep + h;
    const plus = (await session.computeGradients(batch)).loss;
    w[i] = keep - h;
    const minus = (await session.computeGradients(batch)).loss;
    w[i] = keep;
    const fd = (plus - minus) / (2 * h);
    num += (fd - analytic[i]) ** 2;
    den += fd * fd;
  }
  await session.release();
  assert.ok(Math.sqrt(num / den) < 2e-3, `${loss.kind}: gradient relative error ${Math.sqrt(num / den)}`);
}

const softmax = (z: number[], t = 1) => {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp((v - m) / t));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};
const rows = (a: Float32Array) => Array.from({ length: N }, (_, i) => Array.from(a.subarray(i * C, (i + 1) * C)));

describe('train: losses (value and gradient)', () => {
  const ce = (logits: Float32Array, b: TrainingBatch) => rows(logits).reduce((s, z, i) => s - Math.log(softmax(z)[b.labels![i]]), 0) / N;

  it('cross-entropy is the batch mean of -log softmax', async () => {
    await checkLoss({ kind: 'cross-entropy' }, ce);
  });

  it('distillation: alpha T^2 KL(teacher || student) (batch mean) + (1 - alpha) CE', async () => {
    const T = 2.5;
    const alpha = 0.7;
    await checkLoss({ kind: 'distill', temperature: T, alpha }, (logits, b) => {
      const teacher = rows(b.teacherLogits!);
      const kl = rows(logits).reduce((s, z, i) => {
        const p = softmax(teacher[i], T);
        const q = softmax(z, T);
        return s + p.reduce((a, pk, k) => a + pk * Math.log(pk / q[k]), 0);
      }, 0) / N;
      return alpha * T * T * kl + (1 - alpha) * ce(logits, b);
    });
  });

  it('distillation with alpha 1 needs no labels', async () => {
    await checkLoss({ kind: 'distill', temperature: 1, alpha: 1 }, (logits, b) => {
      const teacher = rows(b.teacherLogits!);
      return rows(logits).reduce((s, z, i) => {
        const p = softmax(teacher[i]);
        const q = softmax(z);
        return s + p.reduce((a, pk, k) => a + pk * Math.log(pk / q[k]), 0);
      }, 0) / N;
    });
  });

  it('mse is the mean squared error over every element', async () => {
    await checkLoss({ kind: 'mse' }, (logits, b) => logits.reduce((s, v, i) => s + (v - b.targets![i]) ** 2, 0) / logits.length);
  });
});
