import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadModel } from '../../../../src/core/formats/onnx/io';
import { readNpy } from '../../../../src/core/runtime/npy';
import { TrainingSession } from '../../../../src/core/runtime/training-session';
import { tempDir } from '../../../helpers/onnx-models';
import { runPythonJson, torchMissing } from '../../../python/onnx_python';

interface Reference { loss: number; params: { onnx: string; index: number; shape: number[] }[] }

/** Norm-wise relative error ||a - b|| / ||b||. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] * b[i];
  }
  return Math.sqrt(num / Math.max(den, 1e-300));
}

function batchOf(dir: string): { inputs: Record<string, ort.Tensor>; labels: Int32Array } {
  const x = readNpy(path.join(dir, 'x.npy'));
  const y = readNpy(path.join(dir, 'y.npy'));
  const input = x.dtype === 'int64'
    ? new ort.Tensor('int64', BigInt64Array.from(x.data as ArrayLike<bigint | number>, (v) => BigInt(v)), x.shape)
    : new ort.Tensor('float32', Float32Array.from(x.data as ArrayLike<number>), x.shape);
  return { inputs: { input }, labels: Int32Array.from(y.data as ArrayLike<bigint | number>, Number) };
}

describe('train: whole-model gradients vs PyTorch autograd (python3-torch)', function () {
  this.timeout(120000);
  before(function () {
    const missing = torchMissing();
    if (missing) this.skip();
  });

  for (const name of ['cnn_bn_dw', 'resnet', 'transformer']) {
    it(`${name}: every parameter's gradient within 1e-4 (relative)`, async () => {
      const dir = tempDir();
      const ref = runPythonJson<Reference>('torch_train_reference.py', [name, dir]);
      const model = loadModel(path.join(dir, 'model.onnx'));
      const session = await TrainingSession.create(model, { loss: { kind: 'cross-entropy' }, optimizer: { kind: 'sgd' } });
      try {
        const r = await session.computeGradients(batchOf(dir));
        assert.ok(Math.abs(r.loss - ref.loss) <= 1e-5 * Math.abs(ref.loss), `loss ${r.loss} vs PyTorch ${ref.loss}`);
        assert.deepEqual(session.parameters.map((p) => p.name).sort(), ref.params.map((p) => p.onnx).sort(), 'the same parameters are trainable');
        for (const p of ref.params) {
          const i = session.parameters.findIndex((x) => x.name === p.onnx);
          const expected = readNpy(path.join(dir, `grad_${p.index}.npy`)).data as Float32Array;
          const err = relativeError(session.gradients[i], expected);
          assert.ok(err <= 1e-4, `${name} ${p.onnx}: relative error ${err.toExponential(2)}`);
        }
      } finally {
        await session.release();
      }
    });
  }
});

describe('train: distillation loss vs PyTorch (kl_div batchmean, T^2, alpha)', function () {
  this.timeout(120000);
  before(function () {
    if (torchMissing()) this.skip();
  });

  // alpha 1: the soft targets alone, no labels fed; T 1: no softening (the T^2 factor is then 1).
  for (const [t, alpha] of [[4, 0.7], [2, 1], [1, 0.5]]) {
    it(`cnn_bn_dw, T ${t}, alpha ${alpha}: the loss and every parameter's gradient within 1e-4 (relative)`, async () => {
      const dir = tempDir();
      const ref = runPythonJson<Reference>('torch_train_reference.py', ['cnn_bn_dw', dir, '--distill', String(t), String(alpha)]);
      const session = await TrainingSession.create(loadModel(path.join(dir, 'model.onnx')), {
        loss: { kind: 'distill', temperature: t, alpha }, optimizer: { kind: 'sgd' },
      });
      try {
        const { inputs, labels } = batchOf(dir);
        const teacherLogits = readNpy(path.join(dir, 'teacher.npy')).data as Float32Array;
        const r = await session.computeGradients({ inputs, labels: alpha === 1 ? undefined : labels, teacherLogits });
        assert.ok(Math.abs(r.loss - ref.loss) <= 1e-5 * Math.abs(ref.loss), `loss ${r.loss} vs PyTorch ${ref.loss}`);
        for (const p of ref.params) {
          const i = session.parameters.findIndex((x) => x.name === p.onnx);
          const err = relativeError(session.gradients[i], readNpy(path.join(dir, `grad_${p.index}.npy`)).data as Float32Array);
          assert.ok(err <= 1e-4, `${p.onnx}: relative error ${err.toExponential(2)}`);
        }
      } finally {
        await session.release();
      }
    });
  }
});

describe('train: optimizer steps and BatchNorm training mode vs PyTorch', function () {
  this.timeout(120000);
  before(function () {
    if (torchMissing()) this.skip();
  });

  const cases: { model: string; optimizer: 'sgd' | 'adam' | 'adamw'; lr: number; bn?: boolean }[] = [
    { model: 'resnet', optimizer: 'adamw', lr: 0.01 },
    { model: 'transformer', optimizer: 'adam', lr: 0.01 },
    // SGD here: a bias feeding a training-mode BatchNorm has a zero gradient up to rounding, which
    // Adam's normalization would turn into full-size steps of noise in both implementations.
    { model: 'cnn_bn_dw', optimizer: 'sgd', lr: 0.1, bn: true },
  ];
  for (const c of cases) {
    it(`${c.model}: 3 ${c.optimizer} steps${c.bn ? ' with batch statistics (--bn train)' : ''} give PyTorch's weights${c.bn ? ' and running statistics' : ''}`, async () => {
      const dir = tempDir();
      const args = [c.model, dir, '--steps', '3', '--lr', String(c.lr), '--optimizer', c.optimizer, ...(c.bn ? ['--bn-train'] : [])];
      const ref = runPythonJson<Reference>('torch_train_reference.py', args);
      const model = loadModel(path.join(dir, 'model.onnx'));
      const weightDecay = c.optimizer === 'adamw' ? 1e-2 : 1e-3;
      const session = await TrainingSession.create(model, {
        loss: { kind: 'cross-entropy' }, bn: c.bn ? 'train' : 'frozen',
        optimizer: { kind: c.optimizer, momentum: 0.9, weightDecay },
      });
      try {
        const batch = batchOf(dir);
        if (c.bn) {
          // PyTorch's gradient pass in train mode also updates the running statistics once.
          const r = await session.computeGradients(batch);
          assert.ok(Math.abs(r.loss - ref.loss) <= 1e-5 * Math.abs(ref.loss), `train-mode loss ${r.loss} vs PyTorch ${ref.loss}`);
        }
        for (let k = 0; k < 3; k++) await session.step(batch, c.lr);
        for (const p of ref.params) {
          const i = session.parameters.findIndex((x) => x.name === p.onnx);
          const err = relativeError(session.parameters[i].values, readNpy(path.join(dir, `weight_${p.index}.npy`)).data as Float32Array);
          assert.ok(err <= 1e-4, `${p.onnx}: relative error ${err.toExponential(2)} after 3 steps`);
        }
        for (const [name, values] of session.statistics()) {
          const err = relativeError(values, readNpy(path.join(dir, `buffer_${name}.npy`)).data as Float32Array);
          assert.ok(err <= 1e-4, `${name}: relative error ${err.toExponential(2)}`);
        }
        if (c.bn) assert.ok(session.statistics().size > 0, 'running statistics are tracked');
      } finally {
        await session.release();
      }
    });
  }
});
