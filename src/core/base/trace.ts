/**
 * Phase marks for finding where the time between a command and its work goes: with
 * EDGEWISE_TRACE=1, each mark is a stderr line `edgewise trace: TIME WHAT`, TIME (the one duration format,
 * `812 ms`, `1.23 s`) counted from the start of the process. Off (the default), a mark costs one boolean test. bench:device reads them.
 */
import { formatDuration } from './units';

const enabled = !!process.env.EDGEWISE_TRACE && process.env.EDGEWISE_TRACE !== '0';

export const TRACE_PREFIX = 'edgewise trace: ';

export function trace(what: string): void {
  if (enabled) process.stderr.write(`${TRACE_PREFIX}${formatDuration(performance.now())} ${what}\n`);
}
