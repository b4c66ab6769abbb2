/**
 * Rounds to the nearest integer, ties to the even neighbour: what ONNX QuantizeLinear does.
 * `Math.round` sends every .5 towards +infinity, which biases quantized weights.
 */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round(x) - x === 0.5 exactly on a tie (r is then the upper neighbour); pick the even one.
  return (r - x === 0.5 && r % 2 !== 0 ? r - 1 : r) + 0; // + 0 turns -0 into 0
}
