import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { create } from '@bufbuild/protobuf';
import { GraphProtoSchema, ModelProtoSchema } from '../../../src/core/onnx/proto/onnx_pb';
import { Model } from '../../../src/core/onnx/model';
import { makeNode, makeValueInfo } from '../../../src/core/onnx/build';
import { encodeNpy } from '../../../src/core/runtime/npy';
import { npyFeeds } from '../../../src/core/analysis/npy-feeds';

function identity(batch: number | string): Model {
  const graph = create(GraphProtoSchema, {
    node: [makeNode('Identity', ['x'], ['y'], {}, 'id')],
    input: [makeValueInfo('x', 'float32', [batch, 2, 3])],
    output: [makeValueInfo('y', 'float32', [batch, 2, 3])],
  });
  return new Model(create(ModelProtoSchema, { graph }));
}

describe('analysis/npy-feeds', () => {
  let dir: string;
  let file: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-npy-feeds-'));
    file = path.join(dir, 'x.npy');
    fs.writeFileSync(file, encodeNpy({ dtype: 'uint8', shape: [5, 2, 3], data: Uint8Array.from({ length: 30 }, (_, i) => i) }));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('cuts a symbolic batch dimension into batches of the asked size, scaling uint8 by 1/255', () => {
    const { batches, samples } = npyFeeds(identity('N'), file, { batch: 2 });
    assert.equal(samples, 5);
    assert.deepEqual(batches.map((b) => b.x.dims), [[2, 2, 3], [2, 2, 3], [1, 2, 3]]);
    assert.equal((batches[2].x.data as Float32Array)[5], Math.fround(29 / 255));
  });

  it('feeds a fixed batch size as it is, leaving out a last partial batch', () => {
    const one = npyFeeds(identity(1), file);
    assert.equal(one.samples, 5);
    assert.deepEqual(one.batches.map((b) => b.x.dims), Array(5).fill([1, 2, 3]));
    const two = npyFeeds(identity(2), file, { batch: 100 });
    assert.equal(two.samples, 4);
    assert.deepEqual(two.batches.map((b) => b.x.dims), [[2, 2, 3], [2, 2, 3]]);
    assert.throws(() => npyFeeds(identity(8), file), /5 sample\(s\), fewer than the fixed batch size 8 of input 'x'/);
  });
});
