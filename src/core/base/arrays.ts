/**
 * Appends `items` to `target` one at a time. `target.push(...items)` passes every item as an
 * argument and throws "Maximum call stack size exceeded" past about 100,000 of them (the
 * initializers of a 200,000-node model): anything that grows with the model uses this.
 */
export function pushAll<T>(target: T[], items: Iterable<T>): T[] {
  for (const x of items) target.push(x);
  return target;
}
