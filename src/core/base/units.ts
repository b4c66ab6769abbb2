/**
 * Edgewise's one unit system and number format, for the CLI, the worker's results, the extension
 * and the webview (which imports this file: it is in WEBVIEW_SHARED of scripts/check-imports.ts,
 * so it imports nothing).
 *
 * - Sizes are binary and named so: B, KiB, MiB, GiB (1 KiB = 1024 B), three significant digits
 *   (`880 KiB`, `1.49 MiB`, `12.3 KiB`); exact byte counts are grouped integers (`1,527,612 B`).
 * - Numbers show three significant digits with trailing zeros dropped (`93.6`, `0.03`, `1.5`);
 *   integers at and over 1,000 are grouped (`131,402`); never exponent notation in between 1e-4
 *   and 1e15.
 * - Percentages and percentage points have a fixed number of decimals (1 by default), so a
 *   column lines up: `93.6%`, `-0.03 points` (`formatPoints(x, 2)`).
 * - Durations pick µs, ms or s; throughput names what it counts (`120 samples/s`).
 * docs/units.md says the same for users.
 */

const KIB = 1024;
const BYTE_UNITS = ['KiB', 'MiB', 'GiB', 'TiB'];

/** `x` with `digits` significant digits, trailing zeros dropped; whole numbers over 10^digits stay whole and grouped. */
export function formatNumber(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'n/a' : x > 0 ? '∞' : '-∞';
  if (x === 0) return '0';
  const abs = Math.abs(x);
  if (abs >= 10 ** digits) return formatInteger(Math.round(x));
  if (abs < 1e-4) return trimExponent(x.toExponential(digits - 1));
  const fixed = Number(x.toPrecision(digits));
  // toPrecision may round up into a new decade (999.6 -> 1000): that is still a whole number.
  return Math.abs(fixed) >= 1000 ? formatInteger(fixed) : trimZeros(fixed.toFixed(decimalsFor(fixed, digits)));
}

/** A whole number with thousands grouped: 131402 -> '131,402'. */
export function formatInteger(n: number): string {
  if (!Number.isFinite(n)) return formatNumber(n);
  const s = String(Math.round(Math.abs(n)));
  return (n < 0 ? '-' : '') + s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A size in bytes: '512 B', '12.3 KiB', '880 KiB', '1.49 MiB'. */
export function formatBytes(bytes: number, digits = 3): string {
  if (!Number.isFinite(bytes)) return formatNumber(bytes);
  const abs = Math.abs(bytes);
  if (abs < KIB) return `${Math.round(bytes)} B`;
  let v = bytes / KIB;
  let u = 0;
  // Three digits at most: 1000 KiB and over (which would print as '1,000 KiB') move up a unit.
  while (Math.abs(v) >= 999.5 && u < BYTE_UNITS.length - 1) { v /= KIB; u++; }
  return `${formatNumber(v, digits)} ${BYTE_UNITS[u]}`;
}

/**
 * Two sizes compared in one sentence (a measurement against its budget), with as many digits as it
 * takes for different sizes to read differently: 1,049,600 B against 1 MiB is '1 MiB' vs '1 MiB' at
 * three digits, '1.001 MiB' vs '1 MiB' at four.
 */
export function formatBytesPair(a: number, b: number): [string, string] {
  return distinctPair(a, b, formatBytes) ?? [`${formatInteger(a)} B`, `${formatInteger(b)} B`];
}

/** Two numbers compared in one sentence (174.5 ms against a 174 ms budget), told apart as formatBytesPair does. */
export function formatNumberPair(a: number, b: number): [string, string] {
  return distinctPair(a, b, formatNumber) ?? [String(a), String(b)];
}

function distinctPair(a: number, b: number, format: (x: number, digits: number) => string): [string, string] | undefined {
  for (let digits = 3; digits < 8; digits++) {
    const pair: [string, string] = [format(a, digits), format(b, digits)];
    if (a === b || pair[0] !== pair[1]) return pair;
  }
  return undefined;
}

/** A large count in short form: 1234567 -> '1.23 M' (MACs, parameters in a sentence). */
export function formatCount(n: number): string {
  const scales: [number, string][] = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  for (const [scale, name] of scales) if (Math.abs(n) >= scale) return `${formatNumber(n / scale)} ${name}`;
  return formatNumber(n);
}

/** A fraction as a percentage with fixed decimals: 0.936 -> '93.6%'. */
export function formatPercent(fraction: number | undefined, decimals = 1): string {
  if (fraction === undefined) return '-';
  if (!Number.isFinite(fraction)) return formatNumber(fraction);
  return `${fixed(100 * fraction, decimals)}%`;
}

/** A difference of two fractions in percentage points: -0.0003 -> '-0.03 points' (decimals 2). */
export function formatPoints(deltaFraction: number, decimals = 1): string {
  return `${fixed(100 * deltaFraction, decimals)} points`;
}

/** A duration in milliseconds with the unit that suits it: 0.0456 -> '45.6 µs', 12.34 -> '12.3 ms', 2500 -> '2.5 s'. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return formatNumber(ms);
  const abs = Math.abs(ms);
  if (abs >= 1000) return `${formatNumber(ms / 1000)} s`;
  if (abs >= 1 || ms === 0) return `${formatNumber(ms)} ms`;
  return `${formatNumber(ms * 1000)} µs`;
}

/** A duration given in microseconds (profiler figures): see formatDuration; zero stays in µs ('0 µs apart', not '0 ms apart'). */
export function formatMicros(us: number): string {
  return us === 0 ? '0 µs' : formatDuration(us / 1000);
}

/** How many things per second, naming the things: formatRate(120.4, 'samples') -> '120 samples/s'. */
export function formatRate(perSecond: number, what: string): string {
  return `${formatNumber(perSecond)} ${what}/s`;
}

/** A ratio of two like quantities: 0.6234 -> '0.623x'. */
export function formatRatio(x: number): string {
  return `${formatNumber(x)}x`;
}

/** A signal-to-noise ratio in decibels; an exact result (infinite SQNR) says so. */
export function formatDb(db: number): string {
  return db === Infinity ? 'exact' : `${formatNumber(db)} dB`;
}

/** A bounded ratio near 1 (cosine similarity, agreement): enough decimals to see 0.99995 from 1. */
export function formatCloseness(x: number, decimals = 5): string {
  return Number.isFinite(x) ? x.toFixed(decimals) : formatNumber(x);
}

/**
 * A value with its unit, for displays that take any unit (overlay legends): sizes, durations and
 * counts get their own formatter, anything else three significant digits and the unit.
 */
export function formatQuantity(value: number, unit: string): string {
  if (unit === 'bytes' || unit === 'B') return formatBytes(value);
  if (unit === 'µs' || unit === 'us') return formatMicros(value);
  if (unit === 'ms') return formatDuration(value);
  if (unit === 'dB') return formatDb(value);
  if (unit === 'MACs' || unit === 'params' || unit === 'parameters') return `${formatCount(value)} ${unit}`;
  if (unit === '%') return `${formatNumber(value)}%`;
  return unit ? `${formatNumber(value)} ${unit}` : formatNumber(value);
}

function fixed(x: number, decimals: number): string {
  const s = x.toFixed(decimals);
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}

function decimalsFor(x: number, digits: number): number {
  const magnitude = Math.floor(Math.log10(Math.abs(x)));
  return Math.max(0, digits - 1 - magnitude);
}

function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

function trimExponent(s: string): string {
  const [m, e] = s.split('e');
  return `${trimZeros(m)}e${e}`;
}
