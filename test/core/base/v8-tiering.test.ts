import * as assert from 'node:assert/strict';
import { v8TieringFlags } from '../../../src/core/base/v8-tiering';

describe('the V8 tiering flags of the worker and its layout process (core/base/v8-tiering.ts)', () => {
  it('names them as the runtime\'s V8 does, and gives none where the names are not known', () => {
    for (const v8 of ['10.2.154.26-node.39', '11.3.244.8-node.38']) assert.deepEqual(v8TieringFlags(v8), ['--interrupt-budget=1000000']); // Node 18, 20
    assert.deepEqual(v8TieringFlags('11.8.172.17-node.20'), []); // Node 21: neither name
    for (const v8 of ['12.4.254.21-node.57', '13.6.233.17-node.53', '14.1.146.11-node.25']) { // Node 22, 24, 25
      assert.deepEqual(v8TieringFlags(v8), ['--invocation-count-for-maglev=6000', '--invocation-count-for-turbofan=45000']);
    }
    assert.deepEqual(v8TieringFlags('not a version'), []);
  });
});
