import * as assert from 'node:assert/strict';
import { counter } from '../../src/core/base/progress';
import { phaseCount, phaseText } from '../../src/core/runtime/phases';
import { progressView, type ProgressStream } from '../../src/cli/progress';

/** A stream that records what was written, as a terminal or a pipe, with a clock the test moves. */
function recorder(isTTY: boolean, columns = 100) {
  const stream: ProgressStream & { text: string } = { text: '', isTTY, columns, write(t: string) { this.text += t; } };
  let t = 0;
  return { stream, clock: { now: () => t, advance: (ms: number) => { t += ms; } } };
}

describe('cli progress: one view for every command', () => {
  it('on a terminal, redraws one line in place with the bar, the count, the rate and the time left, and finishes it', () => {
    const { stream, clock } = recorder(true);
    const view = progressView(stream, { now: clock.now });
    const calib = counter(view.progress, 'calibration', 'samples');
    view.progress('reading the model');
    calib(0, 100);
    clock.advance(1000);
    calib(25, 100);
    clock.advance(50);
    calib(26, 100); // within the redraw interval: not drawn
    clock.advance(950);
    calib(50, 100);
    view.finish();
    assert.equal(stream.text, [
      '\r\x1b[Kreading the model\n',
      '\r\x1b[Kcalibration [--------------------] 0/100 samples',
      '\r\x1b[Kcalibration [#####---------------] 25/100 samples, 25 samples/s, 3 s left',
      '\r\x1b[Kcalibration [##########----------] 50/100 samples, 25 samples/s, 2 s left',
      '\r\x1b[Kcalibration 50/100 samples in 2 s (25 samples/s)\n',
    ].join(''));
  });

  it('not on a terminal, prints one line per step when it starts and never a carriage return', () => {
    const { stream, clock } = recorder(false);
    const view = progressView(stream, { now: clock.now });
    const calib = counter(view.progress, 'calibration', 'samples');
    view.progress('reading the model');
    for (let d = 0; d <= 100; d += 10) { calib(d, 100); clock.advance(500); }
    view.progress('writing out.onnx');
    view.progress('writing out.onnx');
    view.finish();
    assert.equal(stream.text, 'reading the model\ncalibration: 100 samples\nwriting out.onnx\n');
  });

  it('clears the live line for a message and redraws it; results end the step above them', () => {
    const { stream, clock } = recorder(true);
    const out = { text: '', isTTY: true, write(t: string) { this.text += t; } };
    const view = progressView(stream, { now: clock.now });
    view.progress('loading');
    view.print(stream, 'warning: something');
    assert.equal(stream.text, '\r\x1b[Kloading\r\x1b[Kwarning: something\n\r\x1b[Kloading');
    view.print(out, 'result');
    assert.equal(stream.text, '\r\x1b[Kloading\r\x1b[Kwarning: something\n\r\x1b[Kloading\n');
    assert.equal(out.text, 'result\n');
  });

  it('keeps the count, rate and time left visible in a narrow terminal, cutting the step name from its start', () => {
    const { stream, clock } = recorder(true, 72);
    const view = progressView(stream, { now: clock.now });
    const runs = counter(view.progress, 'bench model_with_a_long_name.onnx 1 thread(s): timed runs', 'runs');
    runs(0, 100);
    clock.advance(1000);
    runs(50, 100);
    const last = stream.text.split('\r\x1b[K').pop()!;
    assert.equal(last, '…s): timed runs [##########----------] 50/100 runs, 50 runs/s, 1 s left');
    assert.equal(last.length, 71);
  });

  it('says nothing with --quiet', () => {
    const { stream } = recorder(true);
    const view = progressView(stream, { quiet: true });
    view.progress('loading');
    counter(view.progress, 'calibration', 'samples')(3, 10);
    view.finish();
    assert.equal(stream.text, '');
  });

  it('a timed run until a time has passed has no total, and its share comes from both runs and time', () => {
    const p = { phase: 'runs' as const, done: 22026, atLeast: 100, minMs: 5000, elapsedMs: 2500, threads: 1, pid: 1 };
    assert.deepEqual(phaseCount(p), { stage: 'timed runs for at least 5 s', done: 22026, unit: 'runs', share: 0.5 });
    assert.equal(phaseText(p), 'timed runs for at least 5 s 22,026 runs');
    assert.equal(phaseText({ phase: 'runs', done: 40, total: 100, threads: 1, pid: 1 }), 'timed runs 40/100 runs');
    // A slow model: 5 s have passed, 40 of the 100 runs are done.
    assert.equal(phaseCount({ ...p, done: 40, elapsedMs: 6000 })!.share, 0.4);
  });
});
