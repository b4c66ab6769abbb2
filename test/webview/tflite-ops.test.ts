import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openModel } from '../../src/core/formats/open';
import { opCategory } from '../../src/core/graph/ops';

describe('webview: TFLite operators get op categories', () => {
  it('every operator of the TFLite fixtures has a category (colour), none is "other"', () => {
    const dir = path.resolve(__dirname, '../fixtures/tflite');
    const seen = new Map<string, string>();
    for (const f of fs.readdirSync(dir)) {
      for (const n of openModel(path.join(dir, f)).viewGraph().nodes) seen.set(n.opType, opCategory(n.opType));
    }
    assert.ok(seen.size >= 10);
    assert.deepEqual([...seen].filter(([, c]) => c === 'other'), []);
    assert.equal(seen.get('CONV_2D'), 'conv');
    assert.equal(seen.get('UNIDIRECTIONAL_SEQUENCE_LSTM'), 'recurrent');
  });
});
