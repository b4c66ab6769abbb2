/** A (done, total) progress callback called through at most once a second, and always for the last step. */
export function throttled(fn: (done: number, total: number) => void, everyMs = 1000): (done: number, total: number) => void {
  let last = performance.now();
  return (done, total) => {
    const now = performance.now();
    if (done === total || now - last >= everyMs) { last = now; fn(done, total); }
  };
}
