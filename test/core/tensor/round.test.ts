import { strict as assert } from 'node:assert';
import { roundHalfEven } from '../../../src/core/tensor/round';

describe('roundHalfEven', () => {
  it('sends .5 ties to the even neighbour, both signs', () => {
    const cases: [number, number][] = [
      [0.5, 0], [1.5, 2], [2.5, 2], [3.5, 4], [-0.5, 0], [-1.5, -2], [-2.5, -2], [-3.5, -4], [126.5, 126], [127.5, 128], [-127.5, -128],
    ];
    for (const [x, want] of cases) assert.equal(roundHalfEven(x), want, `roundHalfEven(${x})`);
  });
  it('rounds non-ties to nearest, and never returns -0', () => {
    assert.equal(roundHalfEven(2.4999), 2);
    assert.equal(roundHalfEven(2.5001), 3);
    assert.equal(roundHalfEven(-2.5001), -3);
    assert.equal(roundHalfEven(-2.4999), -2);
    assert.ok(Object.is(roundHalfEven(-0.4), 0));
    assert.ok(Object.is(roundHalfEven(-0.5), 0));
    assert.equal(roundHalfEven(7), 7);
  });
});
