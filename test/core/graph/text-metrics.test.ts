import * as assert from 'node:assert/strict';
import { BUILT_IN_METRICS, checkTextMetrics, tableMeasure, TABLE_CHARS } from '../../../src/core/graph/text-metrics';

describe('label widths from a table of character advances (core/graph/text-metrics.ts)', () => {
  const measure = tableMeasure(BUILT_IN_METRICS);
  const at = (c: string, bold = false): number => (bold ? BUILT_IN_METRICS.bold : BUILT_IN_METRICS.normal)[TABLE_CHARS.indexOf(c)];

  it('sums the advances of the characters, in the label or the title font', () => {
    assert.equal(TABLE_CHARS.length, BUILT_IN_METRICS.normal.length);
    assert.equal(TABLE_CHARS.length, BUILT_IN_METRICS.bold.length);
    assert.equal(measure('Conv', false), at('C') + at('o') + at('n') + at('v'));
    assert.equal(measure('Conv', true), at('C', true) + at('o', true) + at('n', true) + at('v', true));
    assert.ok(measure('Conv', true) > measure('Conv', false));
    assert.equal(measure('', false), 0);
    assert.equal(measure('3×3 ▾ a·b…', false), [...'3×3 ▾ a·b…'].reduce((s, c) => s + at(c), 0), 'the labels\' own non-ASCII characters are in the table');
  });

  it('gives characters the table lacks the width of an n, or a full em in a wide script', () => {
    assert.equal(measure('é', false), at('n'));
    assert.equal(measure('é', true), at('n', true));
    assert.equal(measure('卷积', false), 22);
    assert.equal(measure('卷积', true), 25);
  });

  it('takes a table from the page or the host only when it is well formed', () => {
    assert.deepEqual(checkTextMetrics(JSON.parse(JSON.stringify(BUILT_IN_METRICS))), BUILT_IN_METRICS);
    const { font, normal, bold } = BUILT_IN_METRICS;
    for (const bad of [undefined, null, 'x', [], { font, normal }, { font, normal: normal.slice(1), bold }, { font, normal: [...normal, 1], bold },
      { font, normal: normal.map((w, i) => (i ? w : -1)), bold }, { font, normal: normal.map((w, i) => (i ? w : Infinity)), bold },
      { font, normal: normal.map((w, i) => (i ? w : '7')), bold }, { font: 1, normal, bold }, { font: 'x'.repeat(5000), normal, bold }]) {
      assert.equal(checkTextMetrics(bad), undefined, JSON.stringify(bad)?.slice(0, 80));
    }
    // Only the table's own fields are kept.
    assert.deepEqual(Object.keys(checkTextMetrics({ font, normal, bold, extra: 1 })!), ['font', 'normal', 'bold']);
  });
});
