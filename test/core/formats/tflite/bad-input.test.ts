import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Builder } from 'flatbuffers';
import { openModel } from '../../../../src/core/formats/open';
import { TfliteFormatError } from '../../../../src/core/formats/tflite/errors';
import { decodeTflite } from '../../../../src/core/formats/tflite/model';
import { TfliteReader } from '../../../../src/core/formats/tflite/reader';
import { repoRoot } from './build-model';

const HELLO = fs.readFileSync(path.join(repoRoot, 'test/fixtures/tflite/hello_world_float.tflite'));

function decode(bytes: Uint8Array): void {
  decodeTflite(bytes, 'bad.tflite');
}

function expectError(bytes: Uint8Array, pattern: RegExp): void {
  const start = Date.now();
  assert.throws(() => decode(bytes), (e: unknown) => {
    assert.ok(e instanceof TfliteFormatError, `expected TfliteFormatError, got ${String(e)}`);
    assert.match(e.message, /^bad\.tflite: /);
    assert.match(e.message, pattern);
    assert.ok(!e.message.includes('\n'), 'one line');
    return true;
  });
  assert.ok(Date.now() - start < 2000, 'fails fast');
}

function patched(edit: (b: Buffer) => void): Buffer {
  const copy = Buffer.from(HELLO);
  edit(copy);
  return copy;
}

describe('tflite: bad input gives one clear error, no hang', () => {
  it('a truncated file', () => {
    expectError(HELLO.subarray(0, 5), /truncated/);
    // Cut inside the tables: the subgraphs vector sits at 0x740 (see fixtures.test.ts).
    expectError(HELLO.subarray(0, 0x700), /outside the file|past the end of the file/);
  });

  it('the wrong file identifier', () => {
    expectError(patched((b) => b.write('ONNX', 4, 'latin1')), /file identifier \(bytes 4-7\) is "ONNX", not "TFL3"/);
  });

  it('a root offset outside the file', () => {
    expectError(patched((b) => b.writeUInt32LE(0xffff_ff00, 0)), /root table offset at 0 points to \d+, outside the file \(3164 bytes\)/);
  });

  it('a buffer offset/size outside the file', () => {
    const bytes = withExternalBuffer(BigInt(4096), BigInt(64));
    expectError(bytes, /buffers\[1\] points to 64 bytes at offset 4096, past the end of the file/);
  });

  it('a vtable that points at its own table (soffset 0)', () => {
    expectError(patched((b) => b.writeInt32LE(0, 0x1c)), /vtable of Model at offset 28 has invalid size/);
  });

  it('offsets that loop back onto one table (N subgraphs x N tensors, all the same table)', () => {
    // 3,000 x 3,000 = 9 million tensor visits from a 24 kB file without the visit budget.
    const n = 3000;
    const b = new Builder(1024);
    const name = b.createString('t');
    b.startObject(4);
    b.addFieldOffset(3, name, 0);
    const tensor = b.endObject();
    b.startVector(4, n, 4);
    for (let i = 0; i < n; i++) b.addOffset(tensor);
    const tensors = b.endVector();
    b.startObject(1);
    b.addFieldOffset(0, tensors, 0);
    const subgraph = b.endObject();
    b.startVector(4, n, 4);
    for (let i = 0; i < n; i++) b.addOffset(subgraph);
    const subgraphs = b.endVector();
    b.startObject(3);
    b.addFieldInt32(0, 3, 0);
    b.addFieldOffset(2, subgraphs, 0);
    b.finish(b.endObject(), 'TFL3');
    const bytes = b.asUint8Array();
    assert.ok(bytes.byteLength < 30_000);
    expectError(bytes, /table visits .* loop back onto tables already read/);
  });

  it('an absurd vector length', () => {
    // The tensors vector of subgraph 0 starts at 0x84c (hand-decoded, see fixtures.test.ts).
    assert.equal(HELLO.readUInt32LE(0x84c), 10);
    expectError(patched((b) => b.writeUInt32LE(0x7fff_ffff, 0x84c)), /tensors claims 2147483647 elements at offset 2124, past the end of the file/);
  });

  it('an operator input that names a tensor the subgraph does not have', () => {
    const model = decodeTflite(HELLO, 'x');
    // Find the first operator's inputs vector by its content: [input tensor, weights, bias].
    const first = model.subgraphs[0].operators[0].inputs;
    const needle = Buffer.alloc(16);
    needle.writeUInt32LE(first.length, 0);
    first.forEach((v, i) => needle.writeInt32LE(v, 4 + 4 * i));
    const at = HELLO.indexOf(needle);
    assert.ok(at > 0);
    expectError(patched((b) => b.writeInt32LE(99, at + 4)), /operators\[0\]\.inputs refers to tensor 99, but subgraphs\[0\] has 10 tensors/);
  });

  it('random byte corruption never escapes as anything but TfliteFormatError', function () {
    this.timeout(20000);
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    let decoded = 0, rejected = 0;
    for (let k = 0; k < 1500; k++) {
      const copy = Buffer.from(HELLO);
      // Corrupt 1-4 bytes anywhere after the identifier: tables, vectors, strings or weights.
      const flips = 1 + Math.floor(rand() * 4);
      for (let j = 0; j < flips; j++) copy[8 + Math.floor(rand() * (copy.length - 8))] = Math.floor(rand() * 256);
      try {
        const reader = new TfliteReader(decodeTflite(copy, 'fuzz.tflite'));
        reader.summary();
        const g = reader.viewGraph();
        for (const n of g.nodes) reader.nodeDetails(n.id);
        decoded++;
      } catch (e) {
        if (!(e instanceof TfliteFormatError)) throw new Error(`mutant ${k}: ${String((e as Error).stack ?? e)}`);
        rejected++;
      }
    }
    assert.equal(decoded + rejected, 1500);
    // Both outcomes occur: weight bytes decode fine, damaged offsets are refused.
    assert.ok(rejected > 100 && decoded > 100, `${decoded} decoded, ${rejected} rejected`);
  });

  it('openModel names the file of a damaged .tflite', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tflite-bad-'));
    try {
      const file = path.join(dir, 'cut.tflite');
      fs.writeFileSync(file, HELLO.subarray(0, 0x700));
      assert.throws(() => openModel(file), (e: unknown) => e instanceof TfliteFormatError && e.message.startsWith(`${file}: `));
      const renamed = path.join(dir, 'not-a-model.tflite');
      fs.writeFileSync(renamed, 'hello, this is text');
      assert.throws(() => openModel(renamed), /not-a-model\.tflite: not a TFLite model: the file identifier \(bytes 4-7\) is "o, t"/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A minimal model whose buffer 1 claims to be stored after the FlatBuffer. */
function withExternalBuffer(offset: bigint, size: bigint): Uint8Array {
  const b = new Builder(256);
  b.startObject(3);
  const empty = b.endObject();
  b.startObject(3);
  b.addFieldInt64(1, offset, BigInt(0));
  b.addFieldInt64(2, size, BigInt(0));
  const external = b.endObject();
  b.startVector(4, 2, 4);
  b.addOffset(external);
  b.addOffset(empty);
  const buffers = b.endVector();
  b.startObject(5);
  const subgraph = b.endObject();
  b.startVector(4, 1, 4);
  b.addOffset(subgraph);
  const subgraphs = b.endVector();
  b.startObject(5);
  b.addFieldInt32(0, 3, 0);
  b.addFieldOffset(2, subgraphs, 0);
  b.addFieldOffset(4, buffers, 0);
  b.finish(b.endObject(), 'TFL3');
  return b.asUint8Array();
}
