import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runDiffJob, type ModelDiff } from '../../src/core/jobs/diff';
import { runQuantizeJob } from '../../src/core/jobs/quantize';
import { diffOverlay, diffPartners, differences } from '../../src/extension/diff-overlay';
import { FIXTURES } from '../helpers/onnx-models';

describe('the diff as the graph views show it', function () {
  this.timeout(120_000);
  let dir: string;
  let d: ModelDiff;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-diff-overlay-'));
    const cnn = path.join(dir, 'cnn.onnx');
    fs.copyFileSync(path.join(FIXTURES, 'fmnist_cnn.onnx'), cnn);
    const q = await runQuantizeJob(cnn, { mode: 'static', calib: path.join(FIXTURES, 'fmnist_train1k_u8.npy'), skipLatency: true, skipFused: true });
    d = await runDiffJob(cnn, q.output);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('colours every node of each side by its status, Q/DQ nodes with the node they serve, with badges and inspector lines', () => {
    const a = diffOverlay(d, 'a'), b = diffOverlay(d, 'b');
    assert.equal(Object.keys(a.values).length, 10);
    assert.equal(Object.keys(b.values).length, 29, 'every node of the QDQ model, Quantize/Dequantize included');
    const rewritten = a.categories!.find((c) => c.label === 'rewritten')!.value;
    assert.equal(a.values['/3/Conv'], rewritten);
    assert.equal(a.badges!['/4/Relu'], 'fused');
    assert.equal(b.badges!['/3/Conv'], 'INT8+fused');
    assert.match(b.notes!['3.weight_DequantizeLinear'][0], /^serves \/3\/Conv$/);
    assert.equal(b.values['3.weight_DequantizeLinear'], rewritten);
    assert.match(a.notes!['/3/Conv'][0], /^B: \/3\/Conv \(Conv\), matched by name/);
    assert.match(a.notes!['/3/Conv'].join('\n'), /weight 3\.weight ↔ 3\.weight_quantized: float32 -> int8 max \|a - b\| [0-9.e-]+, relative L2/);
  });

  it('pairs selections both ways (a fused Relu selects the Conv it went into) and lists the differences', () => {
    const { aToB, bToA } = diffPartners(d);
    assert.equal(aToB.get('/4/Relu'), '/3/Conv');
    assert.equal(bToA.get('/3/Conv'), '/3/Conv');
    assert.equal(bToA.get('3.weight_DequantizeLinear'), '/3/Conv');
    assert.equal(differences(d).length, 10);
  });
});
