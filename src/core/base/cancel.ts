/**
 * The one cancellation error. Anything that takes an AbortSignal ends with it when the signal is
 * aborted; the CLI turns it into exit code 130, the worker into a "cancelled" response.
 */
export class CancelledError extends Error {
  constructor(message = 'cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}

export function throwIfCancelled(signal?: AbortSignal): void {
  if (signal?.aborted) throw new CancelledError();
}
