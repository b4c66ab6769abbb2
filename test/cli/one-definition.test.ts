import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureCliBuilt, runCli } from './run';
import { FIXTURES } from '../helpers/fmnist';
import { buildModel } from '../helpers/onnx-models';
import { makeNode, makeTensor, makeValueInfo } from '../../src/core/formats/onnx/build';
import { countParameters } from '../../src/core/formats/onnx/parameters';

/**
 * Issue 13: the same quantity is the same number everywhere. fm_mbv2's parameters were 131,402 in
 * inspect and 131,432 in prune (prune also counted the Clip bounds of its 15 ReLU6s, stored as
 * Constant nodes); static calibration announced 136 tensors and calibrated 90 (the int64 shape
 * arithmetic of a PyTorch export was announced, then dropped).
 */
describe('cli: one definition each (parameters, calibrated tensors)', function () {
  this.timeout(120_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-onedef-'));
  before(() => ensureCliBuilt());
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const inspectParams = (file: string) => {
    const r = runCli(['inspect', file, '--json']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout).parameters as number;
  };

  it('inspect and prune count the MobileNet\'s parameters alike (its ReLU6 bounds are Constant nodes, not parameters)', () => {
    const model = path.join(tmp, 'mb.onnx');
    fs.copyFileSync(path.join(FIXTURES, 'fmnist_mobilenet.onnx'), model);
    const before = inspectParams(model);
    const r = runCli(['prune', model, '--method', 'channel', '--sparsity', '0.3', '--json', '--out', path.join(tmp, 'mb.pruned.onnx')]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout).report;
    assert.equal(report.paramsBefore, before);
    assert.equal(report.paramsAfter, inspectParams(path.join(tmp, 'mb.pruned.onnx')), 'the pruned file, inspected, has what prune said');
    assert.match(runCli(['inspect', model]).stdout, new RegExp(`Parameters\\s+[\\d.]+ k \\(${before.toLocaleString('en-US')}\\)`));
  });

  it('weights stored as Constant nodes count as parameters; shapes and scalars do not, wherever they are stored', () => {
    const w = makeTensor('w', 'float32', [4, 3], new Float32Array(12));
    const shape = makeTensor('shape', 'int64', [2], BigInt64Array.of(-1n, 4n));
    const lo = makeTensor('lo', 'float32', [], Float32Array.of(0));
    const io = [[makeValueInfo('x', 'float32', ['N', 3])], [makeValueInfo('y', 'float32', ['N', 4])]] as const;
    const nodes = [makeNode('MatMul', ['x', 'wt'], ['m']), makeNode('Reshape', ['m', 'shape'], ['r']), makeNode('Clip', ['r', 'lo'], ['y'])];
    const asInitializers = buildModel([makeNode('Transpose', ['w'], ['wt']), ...nodes], [...io[0]], [...io[1]], [w, shape, lo]);
    const asConstants = buildModel([
      ...[w, shape, lo].map((t) => makeNode('Constant', [], [t.name], { value: t })), makeNode('Transpose', ['w'], ['wt']), ...nodes,
    ], [...io[0]], [...io[1]]);
    assert.equal(countParameters(asInitializers), 12);
    assert.equal(countParameters(asConstants), 12);
  });

  it('static calibration calibrates the tensors it announces (the ViT\'s shape arithmetic is neither)', () => {
    const model = path.join(tmp, 'vit.onnx');
    fs.copyFileSync(path.join(FIXTURES, 'fmnist_vit.onnx'), model);
    const r = runCli(['quantize', model, '--mode', 'static', '--calib', path.join(FIXTURES, 'fmnist_tune500_u8.npy'), '--count', '64', '--no-latency', '--out', path.join(tmp, 'vit.int8.onnx')]);
    assert.equal(r.code, 0, r.stderr);
    const announced = /calibrating (\d+) tensors/.exec(r.stderr)?.[1];
    const done = /calibration: minmax on .*, (\d+) tensors,/.exec(r.stdout)?.[1];
    assert.ok(announced && done, r.stdout + r.stderr);
    assert.equal(announced, done);
  });
});
