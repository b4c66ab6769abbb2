/**
 * Job progress as every command prints it (CliIo.progress), on stderr.
 *
 * On a terminal: one line redrawn in place (`\r`, then erase to the end of the line) with the
 * step, and for a countable step a bar, the count, the rate and the time left; redrawn at most
 * every `intervalMs`; a step that ends keeps its line, finished with its count, time and rate.
 * Messages go through `print`, which clears the live line first and redraws it after; results
 * (stdout) end the step first, keeping its final line above them.
 * Not a terminal (a pipe, a CI log): one line per step when it starts, never a `\r`.
 */
import { countShare, countText, type Progress, type ProgressCount } from '../core/base/progress';
import { formatBytes, formatDuration, formatRate } from '../core/base/units';

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressView {
  /** The jobs' progress hook. */
  progress: Progress;
  /** Writes whole lines to `stream` without tearing the live line. */
  print(stream: ProgressStream, text: string): void;
  /** Ends the live line: the command is done (or failed). */
  finish(): void;
}

export interface ProgressViewOptions {
  /** No progress at all (--quiet). */
  quiet?: boolean;
  /** Redraw at most this often on a terminal (default 100 ms). */
  intervalMs?: number;
  /** The clock, ms (tests). */
  now?: () => number;
}

/** A step on screen: its first report, its latest, and when it started. */
interface Step {
  key: string;
  message: string;
  count?: ProgressCount;
  startMs: number;
  startDone: number;
  /** When the latest report came. */
  lastMs: number;
}

/** A line to draw: the step, then what must stay visible (bar, count, rate, time left). */
interface Line {
  head: string;
  tail?: string;
}

const BAR_WIDTH = 20;
/** Back to the start of the line and erase it. */
const CLEAR = '\r\x1b[K';

export function progressView(stream: ProgressStream, o: ProgressViewOptions = {}): ProgressView {
  const now = o.now ?? (() => performance.now());
  const interval = o.intervalMs ?? 100;
  const tty = stream.isTTY === true;
  let step: Step | undefined;
  // On a terminal: whether the live line is on screen, and when it was drawn.
  let shown = false;
  let drawnAt = -Infinity;

  const draw = (line: Line) => {
    stream.write(`${CLEAR}${fit(line, Math.max(20, (stream.columns || 80) - 1))}`);
    shown = true;
    drawnAt = now();
  };
  // A step that ends keeps its line on a terminal: counted, with its final count, time and rate.
  const end = () => {
    if (!step) return;
    if (tty && shown) {
      if (step.count) draw(finishedLine(step));
      stream.write('\n');
    }
    shown = false;
    step = undefined;
  };

  const progress: Progress = (message, _fraction, count) => {
    if (o.quiet) return;
    const key = count?.stage ?? message;
    const t = now();
    if (step?.key !== key) {
      end();
      step = { key, message, count, startMs: t, startDone: count?.done ?? 0, lastMs: t };
      if (!tty) return void stream.write(`${startLine(step)}\n`);
      return draw(liveLine(step, t));
    }
    Object.assign(step, { message, count, lastMs: t });
    if (tty && t - drawnAt >= interval) draw(liveLine(step, t));
  };

  return {
    progress,
    print(target, text) {
      const line = text.endsWith('\n') ? text : `${text}\n`;
      // Results (another stream) come when the work is done: the step keeps its final line above them.
      if (target !== stream) end();
      const clear = tty && shown;
      if (clear) stream.write(CLEAR);
      target.write(line);
      if (clear && step) draw(liveLine(step, now()));
    },
    finish: end,
  };
}

/** `line` in `width` characters: the head loses its start first ('…timed runs'), the tail its end. */
function fit(line: Line, width: number): string {
  const tail = line.tail ? ` ${line.tail}` : '';
  if (line.head.length + tail.length <= width) return `${line.head}${tail}`;
  const room = width - tail.length - 1;
  if (room >= 10) return `…${line.head.slice(line.head.length - room)}${tail}`;
  const text = `${line.head}${tail}`;
  return `${text.slice(0, width - 1)}…`;
}

/** A step as it starts, for a log: 'calibration: 100 samples'. */
function startLine(s: Step): string {
  const c = s.count;
  if (!c) return s.message;
  return c.total === undefined ? c.stage : `${c.stage}: ${countText({ done: c.total, unit: c.unit })}`;
}

/** Things per second since the step started, once there is something to measure. */
function rateOf(s: Step, t: number): number | undefined {
  const seconds = (t - s.startMs) / 1000;
  const done = (s.count?.done ?? 0) - s.startDone;
  return seconds >= 0.2 && done > 0 ? done / seconds : undefined;
}

function rateText(rate: number, unit: string): string {
  return unit === 'bytes' ? `${formatBytes(rate)}/s` : formatRate(rate, unit);
}

/** The live line: 'calibration [#####---------------] 25/100 samples, 50 samples/s, 2 s left'. */
function liveLine(s: Step, t: number): Line {
  const c = s.count;
  if (!c) return { head: s.message };
  const known = c.total !== undefined || c.share !== undefined;
  const share = countShare(c);
  const parts = [];
  if (known) {
    const filled = Math.round(share * BAR_WIDTH);
    parts.push(`[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`);
  }
  const rest = [countText(c)];
  const rate = rateOf(s, s.lastMs);
  if (rate !== undefined) {
    rest.push(rateText(rate, c.unit));
    const leftMs = c.total !== undefined ? (1000 * Math.max(0, c.total - c.done)) / rate : share > 0 ? ((t - s.startMs) * (1 - share)) / share : undefined;
    if (known && leftMs !== undefined) rest.push(`${formatDuration(1000 * Math.max(1, Math.ceil(leftMs / 1000)))} left`);
  }
  return { head: c.stage, tail: `${parts.join(' ')}${parts.length ? ' ' : ''}${rest.join(', ')}` };
}

/** A finished step: 'calibration 100/100 samples in 2 s (50 samples/s)', timed to its last report. */
function finishedLine(s: Step): Line {
  const c = s.count!;
  const rate = rateOf(s, s.lastMs);
  return { head: c.stage, tail: `${countText(c)} in ${formatDuration(s.lastMs - s.startMs)}${rate === undefined ? '' : ` (${rateText(rate, c.unit)})`}` };
}
