import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { planInputs, type InputSpec } from '../../../src/core/runtime/inputs';
import { encodeNpy } from '../../../src/core/runtime/npy';
import { BenchmarkError } from '../../../src/core/runtime/types';

const image: InputSpec = { name: 'input', dtype: 'float32', shape: ['N', 1, 28, 28] };
const mask: InputSpec = { name: 'mask', dtype: 'int64', shape: ['N', 4] };

describe('runtime/inputs', () => {
  let dir: string;
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-inputs-')); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const npy = (name: string, dtype: 'float32' | 'uint8', shape: number[]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const file = path.join(dir, name);
    fs.writeFileSync(file, encodeNpy({ dtype, shape, data: dtype === 'float32' ? new Float32Array(n).fill(0.5) : new Uint8Array(n) }));
    return file;
  };

  it('sets symbolic dims to 1 with one warning per symbol, and generates seeded data in range', () => {
    const plan = planInputs([image, mask], {}, {});
    assert.deepEqual(plan.inputs.map((i) => i.shape), [[1, 1, 28, 28], [1, 4]]);
    assert.equal(plan.warnings.length, 1);
    assert.match(plan.warnings[0], /'N' is symbolic; using 1 \(set it with --dim N=VALUE\)/);
    const data = plan.inputs[0].data as Float32Array;
    assert.ok(data.every((v) => v >= 0 && v < 1));
    assert.ok(new Set(data).size > 100, 'random, not constant');
    assert.deepEqual(planInputs([image], {}, {}).inputs[0].data, data, 'seeded: the same every time');
    assert.ok((plan.inputs[1].data as BigInt64Array).every((v) => v >= 0n && v < 8n));
  });

  it('takes user dims and warns about names no input has', () => {
    const plan = planInputs([image, mask], { N: 4, batch: 2 }, {});
    assert.deepEqual(plan.inputs.map((i) => i.shape), [[4, 1, 28, 28], [4, 4]]);
    assert.deepEqual(plan.warnings, ["--dim batch: no input has a dimension named 'batch' (symbolic dims: N)"]);
  });

  it('reads .npy inputs and binds their symbolic dims for the generated inputs', () => {
    const file = npy('ok.npy', 'float32', [3, 1, 28, 28]);
    const plan = planInputs([image, mask], {}, { input: file });
    assert.equal(plan.inputs[0].source, file);
    assert.deepEqual(plan.inputs[1].shape, [3, 4]);
    assert.deepEqual(plan.warnings, []);
  });

  it('rejects a wrong dtype, a wrong shape, a missing file and an unknown input name, naming the file', () => {
    const check = (fn: () => unknown, re: RegExp) => assert.throws(fn, (e: unknown) => e instanceof BenchmarkError && e.kind === 'input' && re.test(e.message));
    const u8 = npy('u8.npy', 'uint8', [1, 1, 28, 28]);
    check(() => planInputs([image], {}, { input: u8 }), /u8\.npy: input 'input' expects float32 \[N, 1, 28, 28\], the file holds uint8 \[1, 1, 28, 28\] \(wrong dtype\)/);
    const flat = npy('flat.npy', 'float32', [1, 784]);
    check(() => planInputs([image], {}, { input: flat }), /flat\.npy: .* \(wrong rank\)/);
    const wide = npy('wide.npy', 'float32', [1, 1, 28, 27]);
    check(() => planInputs([image], {}, { input: wide }), /dimension 3 is 27, must be 28/);
    check(() => planInputs([image], { N: 2 }, { input: npy('n3.npy', 'float32', [3, 1, 28, 28]) }), /dimension 'N' is 3 here but 2 from --dim N=2/);
    check(() => planInputs([image], {}, { input: path.join(dir, 'missing.npy') }), /missing\.npy: no such file/);
    check(() => planInputs([image], {}, { pixels: u8 }), /the model has no input 'pixels' \(inputs: input\)/);
  });
});
