import * as assert from 'node:assert/strict';
import { histogram } from '../../../src/core/runtime/histogram';
import { latencyByNodeId } from '../../../src/core/runtime/layer-values';
import type { LayerProfile } from '../../../src/core/runtime/types';

describe('runtime/histogram and layer values', () => {
  it('bins samples with max in the last bin', () => {
    assert.deepEqual(histogram([1, 2, 2, 3, 5], 4), { min: 1, max: 5, counts: [1, 2, 1, 1] });
    assert.deepEqual(histogram([7, 7], 3), { min: 7, max: 7, counts: [2, 0, 0] });
    assert.deepEqual(histogram([], 3).counts, []);
  });

  it('keys per-layer ms by graph node id, skipping names that are ambiguous or absent', () => {
    const profile = {
      nodes: [
        { name: '/conv/Conv', opType: 'Conv', meanUs: 1500, share: 0.5 },
        { name: 'dup', opType: 'Add', meanUs: 10, share: 0.1 },
        { name: 'gone', opType: 'Relu', meanUs: 5, share: 0.1 },
      ],
    } as LayerProfile;
    const nodes = [{ id: '/conv/Conv', name: '/conv/Conv' }, { id: 'dup#0', name: 'dup' }, { id: 'dup#1', name: 'dup' }];
    assert.deepEqual({ ...latencyByNodeId(profile, nodes) }, { '/conv/Conv': 1.5 });
  });
});
