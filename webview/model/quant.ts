import type { QuantInfo } from '../../src/core/graph/types';

const num = (x: number): string => (Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(3) : String(Number(x.toPrecision(4))));

/**
 * One line for a tensor's quantization parameters (real = scale × (q − zero point)):
 * 'scale 0.007843, zero point −1' per tensor, or '8 channels on axis 3: scale 0.0123 … 0.0456,
 * zero point 0' per channel.
 */
export function quantText(q: QuantInfo): string {
  const zeros = [...new Set(q.zeroPoint)];
  const zp = zeros.length === 1 ? `zero point ${zeros[0]}` : `zero points ${Math.min(...q.zeroPoint)} … ${Math.max(...q.zeroPoint)}`;
  if (q.scale.length <= 1) return `scale ${num(q.scale[0] ?? 0)}, ${zp}`;
  const lo = Math.min(...q.scale), hi = Math.max(...q.scale);
  const axis = q.axis === undefined ? '' : ` on axis ${q.axis}`;
  return `${q.scale.length} channels${axis}: scale ${num(lo)} … ${num(hi)}, ${zp}`;
}
