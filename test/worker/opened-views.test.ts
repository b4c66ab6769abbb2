import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { ModelReader } from '../../src/core/formats/format';
import { openModel } from '../../src/core/formats/open';
import { openedView } from '../../src/worker/opened-views';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'fmnist_cnn.onnx');

/** The fixture's reader, counting what it is asked to make; `packs`: it packs its view graph itself (as ONNX's does). */
function countingReader(calls: string[], packs: boolean): ModelReader {
  const real = openModel(FIXTURE);
  return {
    format: real.format,
    summary: () => { calls.push('summary'); return real.summary(); },
    viewGraph: () => { calls.push('viewGraph'); return real.viewGraph(); },
    ...(packs ? { packedView: () => { calls.push('packedView'); return real.packedView!(); } } : {}),
    nodeDetails: (id, p) => real.nodeDetails(id, p),
  };
}

describe('the view an opened model is sent with (worker/opened-views)', () => {
  it('is made once per reader: opened again, the model is not packed again', () => {
    const calls: string[] = [];
    const reader = countingReader(calls, true);
    const first = openedView(reader);
    assert.deepEqual(calls, ['packedView', 'summary']);
    assert.ok(first.packed.nodes > 5);
    assert.equal(openedView(reader), first);
    assert.deepEqual(calls, ['packedView', 'summary']);
  });

  it('is made anew for another reader (a changed file is opened again), and packs the view graph of a format that does not pack itself', () => {
    const calls: string[] = [];
    const a = openedView(countingReader(calls, false));
    const b = openedView(countingReader(calls, false));
    assert.notEqual(a, b);
    assert.deepEqual(calls, ['viewGraph', 'summary', 'viewGraph', 'summary']);
    assert.equal(a.packed.nodes, b.packed.nodes);
    assert.equal(a.packed.text, b.packed.text);
  });
});
