/**
 * Phase marks for finding where the time between a command and its work goes: with
 * EDGEWISE_TRACE=1, each mark is a stderr line `edgewise trace: MS ms WHAT`, MS counted from the
 * start of the process. Off (the default), a mark costs one boolean test. bench:device reads them.
 */
const enabled = !!process.env.EDGEWISE_TRACE && process.env.EDGEWISE_TRACE !== '0';

export const TRACE_PREFIX = 'edgewise trace: ';

export function trace(what: string): void {
  if (enabled) process.stderr.write(`${TRACE_PREFIX}${performance.now().toFixed(1)} ms ${what}\n`);
}
