/**
 * Value names come from the file: '__proto__', 'toString' and 'constructor' are names like any
 * other through the view graph, its packed form (worker -> page) and an edit's delta.
 */
import * as assert from 'node:assert/strict';
import { makeNode, makeValueInfo } from '../../../src/core/formats/onnx/build';
import { onnxViewGraph } from '../../../src/core/formats/onnx/view';
import { packViewGraphText, viewGraphOf } from '../../../src/core/graph/packed';
import { applyViewGraphDelta, viewGraphDelta } from '../../../src/core/graph/view-delta';
import type { ViewGraph } from '../../../src/core/graph/types';
import { buildModel } from '../../helpers/onnx-models';

const NAMES = ['__proto__', 'toString', 'constructor'];

function hostileGraph(): ViewGraph {
  const model = buildModel([
    makeNode('Relu', ['x'], ['__proto__'], {}, 'r0'),
    makeNode('Relu', ['__proto__'], ['toString'], {}, 'r1'),
    makeNode('Relu', ['toString'], ['constructor'], {}, 'r2'),
    makeNode('Relu', ['constructor'], ['y'], {}, 'r3'),
  ], [makeValueInfo('x', 'float32', [1, 3])], [makeValueInfo('y', 'float32', [1, 3])]);
  return onnxViewGraph(model);
}

/** The values as own entries only: what a lookup by name can find. */
function ownValues(g: ViewGraph): Record<string, unknown> {
  return Object.fromEntries(Object.keys(g.values).map((k) => [k, g.values[k].shape]));
}

describe('graph values keyed by names from the file', () => {
  it("keeps '__proto__', 'toString' and 'constructor' as values, and finds nothing under a name that is not one", () => {
    const v = hostileGraph();
    for (const g of [v, viewGraphOf(packViewGraphText(v))]) {
      for (const name of NAMES) {
        assert.ok(Object.hasOwn(g.values, name), name);
        assert.deepEqual(g.values[name].shape, [1, 3], name);
      }
      // A name that is no value finds nothing, not an inherited member or a value's field.
      for (const missing of ['hasOwnProperty', 'valueOf', 'shape', 'name', 'dtype']) assert.equal(g.values[missing], undefined, missing);
    }
  });

  it("an edit's delta adds and removes such names without touching anything else", () => {
    const a = hostileGraph();
    const b: ViewGraph = { ...a, values: Object.assign(Object.create(null) as ViewGraph['values'], a.values) };
    Reflect.deleteProperty(b.values, 'toString');
    b.values.__proto__ = { name: '__proto__', dtype: 'float16', shape: [1, 3] };
    const d = viewGraphDelta(a, b, 1, 2);
    const after = applyViewGraphDelta(a, d);
    assert.deepEqual(ownValues(after), ownValues(b));
    assert.equal(after.values.__proto__.dtype, 'float16');
    assert.equal(after.values.toString, undefined);
    assert.equal(after.values.shape, undefined);
  });
});
