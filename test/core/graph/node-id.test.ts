import * as assert from 'node:assert/strict';
import { nodeIds } from '../../../src/core/graph/node-id';
import { OnnxReader } from '../../../src/core/formats/onnx/reader';
import { hasTestdata, testdataModels } from '../formats/onnx/testdata';

/** The rule as written before its name counting was cut to one set operation per name (commit 5e052a3). */
function referenceNodeIds(nodes: readonly { name: string; opType: string }[]): string[] {
  const count = new Map<string, number>();
  for (const n of nodes) if (n.name) count.set(n.name, (count.get(n.name) ?? 0) + 1);
  const ids = new Array<string>(nodes.length);
  const rest: number[] = [];
  nodes.forEach((n, i) => {
    if (n.name && count.get(n.name) === 1) ids[i] = n.name;
    else rest.push(i);
  });
  if (rest.length === 0) return ids;
  const used = new Set<string>();
  for (const [name, c] of count) if (c === 1) used.add(name);
  for (const i of rest) {
    const n = nodes[i];
    let id = `${n.name || n.opType}#${i}`;
    for (let k = 1; used.has(id); k++) id = `${n.name || n.opType}#${i}.${k}`;
    used.add(id);
    ids[i] = id;
  }
  return ids;
}

describe('core/graph/node-id: ViewNode ids', () => {
  it('keeps unique names, numbers repeated and empty ones, and steps around names already taken', () => {
    const nodes = [
      { name: 'a', opType: 'Add' }, { name: '', opType: 'Relu' }, { name: 'a', opType: 'Mul' }, { name: 'Relu#1', opType: 'X' },
      { name: 'b', opType: 'Conv' }, { name: 'a#2', opType: 'Y' }, { name: 'a', opType: 'Z' }, { name: '', opType: 'Relu' }, { name: 'Relu#7', opType: 'W' },
      { name: 'Relu#7', opType: 'V' },
    ];
    const ids = nodeIds(nodes);
    assert.deepEqual(ids, ['a#0', 'Relu#1.1', 'a#2.1', 'Relu#1', 'b', 'a#2', 'a#6', 'Relu#7', 'Relu#7#8', 'Relu#7#9']);
    assert.deepEqual(ids, referenceNodeIds(nodes));
    assert.equal(new Set(ids).size, ids.length);
    const unique = [{ name: 'x', opType: 'A' }, { name: 'y', opType: 'B' }];
    assert.deepEqual(nodeIds(unique), ['x', 'y']);
    assert.deepEqual(nodeIds([]), []);
  });

  it('gives the ids of the previous rule on every ONNX backend test model', function () {
    if (!hasTestdata()) { console.log('      skipped: libonnx-testdata is not installed'); this.skip(); }
    this.timeout(60_000);
    let compared = 0;
    for (const file of testdataModels()) {
      let reader: OnnxReader;
      try { reader = OnnxReader.open(file); } catch { continue; }
      for (const g of reader.model.allGraphs()) {
        assert.deepEqual(nodeIds(g.nodes), referenceNodeIds(g.nodes), file);
        compared++;
      }
    }
    assert.ok(compared > 1000, `${compared} graphs compared`);
  });
});
