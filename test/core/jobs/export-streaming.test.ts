import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeNode, makeTensor, makeValueInfo } from '../../../src/core/formats/onnx/build';
import { ExportError, runExportJob } from '../../../src/core/jobs/export';
import { buildModel, randomFloats, tempDir, writeTemp } from '../../helpers/onnx-models';

/**
 * Conv [256, 128, 3, 3] (1.2 MB, OIHW -> OHWI) -> Flatten of NHWC data -> Gemm [1024, 300] (1.2 MB,
 * transposed and reordered): weights past the 1 MiB block the export reads them in, so they stream
 * from the .onnx into the .tflite a block of rows at a time.
 */
function model(dir: string): string {
  const m = buildModel([
    makeNode('Conv', ['x', 'w'], ['c'], { kernel_shape: [3, 3] }, 'conv'),
    makeNode('Relu', ['c'], ['r'], {}, 'relu'),
    makeNode('Flatten', ['r'], ['f'], { axis: 1 }, 'flatten'),
    makeNode('Gemm', ['f', 'fc'], ['y'], {}, 'fc'),
  ], [makeValueInfo('x', 'float32', [1, 128, 4, 4])], [makeValueInfo('y', 'float32', [1, 300])], [
    makeTensor('w', 'float32', [256, 128, 3, 3], randomFloats(256 * 128 * 9, 5).map((v) => v * 0.05)),
    makeTensor('fc', 'float32', [1024, 300], randomFloats(1024 * 300, 6).map((v) => v * 0.05)),
  ]);
  return writeTemp(m, dir, 'big-weights.onnx');
}

describe('jobs/export: weights stream from the ONNX file into the TFLite file', function () {
  this.timeout(120000);
  let dir: string;
  beforeEach(() => { dir = tempDir(); });
  afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  it('float32 and float16 exports of weights larger than the read block agree with ONNX Runtime in TFLite', async () => {
    const file = model(dir);
    for (const mode of ['none', 'float16'] as const) {
      const r = await runExportJob(file, { quantize: mode, randomCount: 16 });
      const o = r.verification!.outputs[0];
      assert.equal(r.verification!.passed, true, `${mode}: ${JSON.stringify(r.verification!.checks)}`);
      assert.ok(o.cosine >= (mode === 'none' ? 0.999999 : 0.9999), `${mode}: cosine ${o.cosine}`);
    }
  });

  it('an input changed while it is exported stops the export: nothing written', async () => {
    const file = model(dir);
    const out = path.join(dir, 'out.tflite');
    await assert.rejects(runExportJob(file, {
      out, verify: false,
      progress: (m) => { if (m.startsWith('writing')) fs.utimesSync(file, new Date(), new Date(Date.now() + 5000)); },
    }), (e: Error) => e instanceof ExportError && /changed while it was being exported/.test(e.message));
    assert.deepEqual(fs.readdirSync(dir), ['big-weights.onnx']);
  });
});
