import * as assert from 'node:assert/strict';
import { formatBytes, formatBytesPair, formatNumberPair, formatCount, formatDb, formatDuration, formatInteger, formatMicros, formatNumber, formatPercent, formatPoints, formatQuantity, formatRate, formatRatio } from '../../../src/core/base/units';

describe('units: one unit system and number format (src/core/base/units.ts)', () => {
  it('numbers keep three significant digits and drop trailing zeros', () => {
    assert.equal(formatNumber(93.6), '93.6');
    assert.equal(formatNumber(93.6000001), '93.6');
    assert.equal(formatNumber(0.03), '0.03');
    assert.equal(formatNumber(1.5), '1.5');
    assert.equal(formatNumber(2), '2');
    assert.equal(formatNumber(0.123456), '0.123');
    assert.equal(formatNumber(-0.0004567), '-0.000457');
    assert.equal(formatNumber(999.6), '1,000');
    assert.equal(formatNumber(131402), '131,402');
    assert.equal(formatNumber(0), '0');
    assert.equal(formatNumber(3e-7), '3e-7');
    assert.equal(formatNumber(NaN), 'n/a');
  });

  it('integers are grouped by thousands', () => {
    assert.equal(formatInteger(131402), '131,402');
    assert.equal(formatInteger(-1234567), '-1,234,567');
    assert.equal(formatInteger(999), '999');
  });

  it('sizes are binary units named KiB, MiB, GiB, one way for every size', () => {
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1527.6 * 1024), '1.49 MiB');
    assert.equal(formatBytes(880 * 1024), '880 KiB');
    assert.equal(formatBytes(12.34 * 1024), '12.3 KiB');
    assert.equal(formatBytes(1023.9 * 1024), '1 MiB', 'rounding up moves to the next unit, not 1,024 KiB');
    assert.equal(formatBytes(3 * 2 ** 30), '3 GiB');
    for (const b of [1, 1000, 5e4, 1.5e6, 7e8, 4e9]) assert.match(formatBytes(b), /^\d[\d.]* (B|KiB|MiB|GiB)$/);
  });

  it('percentages and points have fixed decimals, never five', () => {
    assert.equal(formatPercent(0.936), '93.6%');
    assert.equal(formatPercent(0.108, 2), '10.80%');
    assert.equal(formatPercent(undefined), '-');
    assert.equal(formatPoints(-0.0003, 2), '-0.03 points');
    assert.equal(formatPoints(0.00001, 2), '0.00 points', 'no negative zero');
    assert.equal(formatPoints(-0.00001, 2), '0.00 points', 'no negative zero');
  });

  it('durations pick µs, ms or s', () => {
    assert.equal(formatDuration(0.0456), '45.6 µs');
    assert.equal(formatDuration(12.345), '12.3 ms');
    assert.equal(formatDuration(2500), '2.5 s');
    assert.equal(formatMicros(4), '4 µs');
    assert.equal(formatMicros(1500), '1.5 ms');
    // Two equal profiler times are '0 µs' apart, in the profiler's unit (a hover once said '0 ms apart').
    assert.equal(formatMicros(0), '0 µs');
  });

  it('counts, rates, ratios and dB', () => {
    assert.equal(formatCount(1234567), '1.23 M');
    assert.equal(formatCount(950), '950');
    assert.equal(formatRate(1234.4, 'samples'), '1,234 samples/s');
    assert.equal(formatRatio(0.6234), '0.623x');
    assert.equal(formatDb(Infinity), 'exact');
    assert.equal(formatDb(23.456), '23.5 dB');
  });

  it('a value with any unit (overlay legends) goes through the same formatters', () => {
    assert.equal(formatQuantity(900 * 1024, 'bytes'), '900 KiB');
    assert.equal(formatQuantity(1500, 'µs'), '1.5 ms');
    assert.equal(formatQuantity(2.5e6, 'MACs'), '2.5 M MACs');
    assert.equal(formatQuantity(0.0300, 'points'), '0.03 points');
  });
});

describe('units: a measurement beside its budget', () => {
  it('gets the digits that tell the two apart', () => {
    assert.deepEqual(formatBytesPair(1_049_600, 1_048_576), ['1.001 MiB', '1 MiB']);
    assert.deepEqual(formatBytesPair(300 * 1024, 256 * 1024), ['300 KiB', '256 KiB']);
    assert.deepEqual(formatBytesPair(1_048_577, 1_048_576), ['1.000001 MiB', '1 MiB']);
    assert.deepEqual(formatNumberPair(100.4, 100), ['100.4', '100']);
    assert.deepEqual(formatNumberPair(0.3004, 0.3), ['0.3004', '0.3']);
    assert.deepEqual(formatNumberPair(174.5, 100), ['175', '100']);
  });
});
