import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputFile, inputFileSize, readInputFile, readInputHead } from '../../../src/core/base/input-file';

describe('base/input-file: only regular files, sizes known before reading', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-input-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses a FIFO at once (no writer needed to find out), directly or through a link', () => {
    const fifo = path.join(dir, 'm.onnx');
    execFileSync('mkfifo', [fifo]);
    fs.symlinkSync(fifo, path.join(dir, 'link.onnx'));
    for (const f of [fifo, path.join(dir, 'link.onnx')]) {
      const t0 = Date.now();
      assert.throws(() => readInputFile(f, { what: 'model' }), (e: Error) => e.message === `${f}: is a named pipe (FIFO), not a model file`);
      assert.throws(() => inputFileSize(f), /is a named pipe \(FIFO\), not a file/);
      assert.ok(Date.now() - t0 < 1000, 'refused without waiting');
    }
  });

  it('refuses devices (/dev/zero, /dev/urandom), folders and sockets, and names missing files', async () => {
    assert.throws(() => readInputFile('/dev/zero', { what: 'data' }), (e: Error) => e.message === '/dev/zero: is a character device, not a data file');
    assert.throws(() => readInputHead('/dev/urandom', 16), /\/dev\/urandom: is a character device/);
    assert.throws(() => readInputFile(dir, { what: 'labels' }), new RegExp(`${dir}: is a folder, not a labels file`));
    assert.throws(() => readInputFile(path.join(dir, 'nope')), /nope: no such file$/);
    const sock = path.join(dir, 's.sock');
    const server = net.createServer().listen(sock);
    await new Promise((r) => server.once('listening', r));
    try {
      assert.throws(() => readInputFile(sock), /s\.sock: is a socket/);
    } finally {
      server.close();
    }
  });

  it('checks the size against a limit before reading, and reads exactly what it found', () => {
    const f = path.join(dir, 'big.bin');
    const fd = fs.openSync(f, 'w');
    fs.ftruncateSync(fd, 3 * 2 ** 30); // sparse: no disk used, and no memory unless read
    fs.closeSync(fd);
    const before = process.memoryUsage().rss;
    assert.throws(() => readInputFile(f, { limit: { bytes: 2 ** 31 - 1, why: 'past the limit' } }), /big\.bin: is 3221225472 bytes, past the limit/);
    assert.ok(process.memoryUsage().rss - before < 100e6, 'nothing was read');
    fs.writeFileSync(f, 'hello world');
    assert.deepEqual(readInputHead(f, 5), { head: Buffer.from('hello'), size: 11 });
    const h = InputFile.open(f);
    try {
      assert.equal(h.read(6, 5).toString(), 'world');
      assert.throws(() => h.read(8, 5), /reading bytes 8\.\.13 of a file of 11 bytes/);
    } finally {
      h.close();
    }
  });
});
