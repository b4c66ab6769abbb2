import * as assert from 'node:assert/strict';
import { nearChance, nearChanceAlarms } from '../../../src/core/analysis/chance';
import { meetsBudget } from '../../../src/core/analysis/mixed-precision';
import { checkBudgets } from '../../../src/core/recipe/run';
import type { Score } from '../../../src/core/analysis/scorer';

describe('analysis/chance: the one near-chance rule', () => {
  it('fires within a few points of 1/C, and not above', () => {
    assert.ok(nearChance(0.108, 10, 1000), '10.8% with 10 classes (the recipe of issue 13)');
    assert.ok(nearChance(0.14, 10, 1000));
    assert.equal(nearChance(0.2, 10, 1000), undefined);
    assert.ok(nearChance(0.52, 2, 10_000), 'a binary classifier at 52%');
    assert.equal(nearChance(0.7, 2, 10_000), undefined);
    assert.ok(nearChance(0.002, 1000, 50_000), 'ImageNet at 0.2%');
    assert.equal(nearChance(0.7, 1000, 50_000), undefined);
    // On 20 samples, 25% cannot be told from guessing among 10 classes.
    assert.ok(nearChance(0.25, 10, 20));
    assert.equal(nearChance(0.25, 10, 5000), undefined);
    assert.equal(nearChance(0, 1, 100), undefined, 'one class: no chance level');
  });

  it('names the likely causes and the options that fix them', () => {
    const m = nearChance(0.108, 10, 1000, 'the float model')!.message;
    assert.match(m, /^WARNING: AT CHANCE LEVEL: the float model scores top-1 10\.8% on 1,000 labelled samples, where guessing scores 10\.0% with 10 classes/);
    for (const fix of ['--scale', '--mean and --std', '--layout', 'channel order', 'labels belong']) assert.ok(m.includes(fix), fix);
  });

  it('finds every alarm in a result, once', () => {
    const a = nearChance(0.1, 10, 100)!;
    assert.deepEqual(nearChanceAlarms({ x: { accuracy: { nearChance: a } }, list: [{ nearChance: a }], samples: new Float32Array(4) }), [a]);
    assert.deepEqual(nearChanceAlarms({ accuracy: { top1: 0.9 } }), []);
  });

  it('an accuracy budget never holds on it: the search and the recipe', () => {
    const score = (value: number, chance = false): Score => ({ metric: 'top1', value, outputSqnrDb: 40, outputCosine: 1, outputKl: 0, ...(chance ? { nearChance: nearChance(value / 100, 10, 1000) } : {}) });
    assert.equal(meetsBudget(score(10.8), score(10.8), { maxDrop: 1 }), true, 'without the alarm the drop is 0');
    assert.equal(meetsBudget(score(10.8, true), score(10.8), { maxDrop: 1 }), false);
    assert.equal(meetsBudget(score(10.8, true), score(10.8), { minOutputCosine: 0.99 }), true, 'agreement with the float model is still measured');
    const checks = checkBudgets({ maxAccuracyDrop: 1 }, { sizeBytes: 1, floatTop1: 10.8, top1: 10.8, nearChance: nearChance(0.108, 10, 1000) });
    assert.equal(checks[0].ok, false);
    assert.match(checks[0].message, /top-1 drop: the float model is at chance level on this data/);
  });
});
