import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLI, ensureCliBuilt, runCli } from './run';

const MODEL = path.resolve(__dirname, '../fixtures/fmnist_cnn.onnx');
/** util-linux `script` runs a command on a pseudo-terminal: the CLI's stderr is then a terminal. */
const SCRIPT = '/usr/bin/script';

/** `edgewise ARGS` on a pseudo-terminal of `columns` columns; what the terminal received. */
function onTerminal(args: string[], columns = 200): { code: number | null; text: string } {
  const command = `stty cols ${columns} 2>/dev/null; exec ${[process.execPath, CLI, ...args].map((a) => `'${a}'`).join(' ')}`;
  const r = spawnSync(SCRIPT, ['-qfec', command, '/dev/null'], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return { code: r.status, text: r.stdout };
}

describe('cli progress on a terminal and through a pipe (edgewise bench --min-duration)', function () {
  this.timeout(120_000);
  before(ensureCliBuilt);

  it('through a pipe: one line per step, no carriage return, and no made-up total for a timed run', () => {
    const r = runCli(['bench', MODEL, '--min-duration', '1000', '--warmup', '3'], 60_000);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stderr.includes('\r'), JSON.stringify(r.stderr));
    const steps = r.stderr.split('\n').filter((l) => l.startsWith('bench '));
    assert.deepEqual(steps, [
      'bench fmnist_cnn.onnx 1 thread(s): creating the session',
      'bench fmnist_cnn.onnx 1 thread(s): first run',
      'bench fmnist_cnn.onnx 1 thread(s): warm-up: 3 runs',
      'bench fmnist_cnn.onnx 1 thread(s): timed runs for at least 1 s',
    ]);
    assert.match(r.stdout, /threads 1: p50 .*; [\d,]+ runs,/);
  });

  it('on a terminal: the timed runs redraw one line in place while they run, with count, rate and time left, and end with a finished line', function () {
    if (!fs.existsSync(SCRIPT)) this.skip();
    const r = onTerminal(['bench', MODEL, '--min-duration', '1500', '--warmup', '3']);
    assert.equal(r.code, 0, r.text);
    const head = 'bench fmnist_cnn.onnx 1 thread(s): timed runs for at least 1.5 s ';
    const draws = r.text.split('\r\x1b[K').filter((d) => d.startsWith(head));
    const live = draws.filter((d) => /^\[[#-]{20}\] [\d,]+ runs, [\d,.]+ runs\/s, \d+ s left$/.test(d.slice(head.length)));
    // Redrawn every 100 ms or more often as the child reports (every 200 ms): several times in 1.5 s, not once.
    assert.ok(live.length >= 4, `live redraws: ${JSON.stringify(draws)}`);
    const counts = live.map((d) => Number(/\] ([\d,]+) runs/.exec(d)![1].replace(/,/g, '')));
    assert.ok(counts.every((c, i) => i === 0 || c >= counts[i - 1]) && counts.at(-1)! > counts[0], `counts grow: ${counts}`);
    assert.ok(!/\d+\/100 runs/.test(r.text), 'no total of 100 for runs that go on until a time has passed');
    const finished = draws.at(-1)!;
    assert.match(finished.slice(head.length), /^[\d,]+ runs in 1\.\d+ s \([\d,.]+ runs\/s\)\r?\n/);
    // The results come after the finished line, on lines of their own.
    assert.match(r.text, /runs\/s\)\r?\n\S*fmnist_cnn\.onnx\r?\n/);
    // Every live line ends before the command exits: the last byte is a newline.
    assert.ok(r.text.endsWith('\n'));
  });

  it('with --quiet, nothing but the results, on a terminal too', function () {
    if (!fs.existsSync(SCRIPT)) this.skip();
    const r = onTerminal(['bench', MODEL, '--runs', '20', '--warmup', '1', '-q']);
    assert.equal(r.code, 0, r.text);
    assert.ok(!r.text.includes('\r\x1b[K'), JSON.stringify(r.text.slice(0, 300)));
  });
});
