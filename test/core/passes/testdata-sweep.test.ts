import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadModel, saveModel } from '../../../src/core/formats/onnx/io';
import { ioSignature, PassError } from '../../../src/core/passes/common';
import { convertFp16 } from '../../../src/core/passes/fp16';
import { quantizeDynamic } from '../../../src/core/passes/quantize/dynamic';
import { quantizeInt8Weights } from '../../../src/core/passes/quantize/weight-only';
import { hasTestdata, TESTDATA } from '../formats/onnx/testdata';
import { tempDir } from '../../helpers/onnx-models';

// pytorch-converted models are IR 3: every initializer is also a graph input (the case that broke).
const MODELS = ['test_Linear', 'test_Linear_no_bias', 'test_Conv2d_depthwise_padded', 'test_Conv2d_groups', 'test_ConvTranspose2d', 'test_Embedding', 'test_Conv1d_groups', 'test_Conv3d_no_bias', 'test_PReLU_1d'];

describe('passes over libonnx-testdata models (IR 3, initializers as inputs)', () => {
  it('FP16, dynamic INT8 and INT8 weights give models ORT loads and onnx.checker accepts, I/O unchanged', async function () {
    if (!hasTestdata()) { console.log('      skipped: libonnx-testdata is not installed'); this.skip(); }
    const dir = tempDir();
    const written: string[] = [];
    let quantized = 0;
    for (const name of MODELS) {
      const file = path.join(TESTDATA, 'pytorch-converted', name, 'model.onnx');
      if (!fs.existsSync(file)) continue;
      // Some use opsets ORT no longer has kernels for; those say nothing about the passes.
      if (!(await ort.InferenceSession.create(file).then(() => true, () => false))) continue;
      const model = loadModel(file);
      for (const [pass, run] of [['fp16', convertFp16], ['dynamic', quantizeDynamic], ['int8w', quantizeInt8Weights]] as const) {
        let out;
        try { out = run(model); } catch (e) { if (e instanceof PassError) continue; throw e; }
        if ('quantized' in out.report && out.report.quantized.length) quantized++;
        assert.equal(ioSignature(out.model), ioSignature(model), `${name} ${pass}`);
        const o = path.join(dir, `${name}.${pass}.onnx`);
        saveModel(out.model, o);
        await ort.InferenceSession.create(o);
        written.push(o);
      }
    }
    assert.ok(quantized >= 4, `${quantized} models quantized`);
    const r = spawnSync('/usr/bin/python3', ['-c', 'import onnx, sys\nfor f in sys.argv[1:]: onnx.checker.check_model(onnx.load(f))', ...written], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });
});
