import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadModel } from '../../../src/core/formats/onnx/io';
import { ORT_CHECK_MAX_NODES, runQuantizeJob } from '../../../src/core/jobs/quantize';
import { FIXTURES, tempDir } from '../../helpers/onnx-models';

/** The quantize job's ORT proof is bounded by node count: checked here with the limit lowered on a small model. */
describe('jobs/quantize: the ORT load check and its node limit', () => {
  const dir = tempDir();
  const input = path.join(dir, 'fmnist_cnn.onnx');
  before(() => fs.copyFileSync(`${FIXTURES}/fmnist_cnn.onnx`, input));
  const quick = { mode: 'dynamic' as const, skipLatency: true, randomCount: 4, force: true };

  it('skips the check above the limit, says so with the node count, the limit and what to run instead, and still writes the model', async () => {
    const out = path.join(dir, 'skipped.onnx');
    const r = await runQuantizeJob(input, { ...quick, out, ortCheckMaxNodes: 5 });
    const nodes = Math.max(loadModel(input).graph.nodes.length, loadModel(out).graph.nodes.length);
    assert.ok(nodes > 5);
    assert.deepEqual(r.ortCheckSkipped, { reason: 'too-large', nodes, limit: 5 });
    assert.equal(r.fused, undefined);
    assert.equal(r.evaluation, undefined);
    assert.equal(r.latency, undefined);
    assert.equal(r.report.pass === 'dynamic-int8' && r.report.quantized.length, 2);
    assert.ok(fs.statSync(out).size > 0);
    assert.deepEqual(r.warnings.filter((w) => w.startsWith('ORT')), [
      `ORT load check skipped: ${nodes} nodes is above 5 (ONNX Runtime takes minutes to load graphs this large): ` +
      `outputs not compared, fused ops and latency not measured; run \`edgewise bench ${out}\` to check it, or quantize with --ort-check always`,
    ]);
  });

  it('runs the check at or under the limit, and above it with ortCheck always', async () => {
    const under = await runQuantizeJob(input, { ...quick, out: path.join(dir, 'under.onnx') });
    assert.ok(loadModel(under.output).graph.nodes.length <= ORT_CHECK_MAX_NODES);
    assert.equal(under.ortCheckSkipped, undefined);
    assert.equal(under.fused?.quantizedOps.DynamicQuantizeMatMul, 2);
    assert.ok(under.evaluation?.outputs.length);
    const forced = await runQuantizeJob(input, { ...quick, out: path.join(dir, 'forced.onnx'), ortCheckMaxNodes: 5, ortCheck: 'always' });
    assert.equal(forced.ortCheckSkipped, undefined);
    assert.equal(forced.fused?.quantizedOps.DynamicQuantizeMatMul, 2);
    assert.ok(forced.evaluation?.outputs.length);
    assert.ok(!forced.warnings.some((w) => w.startsWith('ORT')));
  });

  it('ortCheck never skips it at any size and says why', async () => {
    const out = path.join(dir, 'never.onnx');
    const r = await runQuantizeJob(input, { ...quick, out, ortCheck: 'never' });
    assert.deepEqual(r.ortCheckSkipped, { reason: 'never' });
    assert.equal(r.evaluation, undefined);
    assert.ok(r.warnings.includes(`ORT load check skipped (--ort-check never): outputs not compared, fused ops and latency not measured; run \`edgewise bench ${out}\` to check it`));
  });
});
