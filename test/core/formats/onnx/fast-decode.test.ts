import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeModelGeneric, decodeModelProto, encodeModelProto } from '../../../../src/core/formats/onnx/codec';
import { decodeModelFast } from '../../../../src/core/formats/onnx/fast-decode';
import { OnnxFormatError } from '../../../../src/core/formats/onnx/errors';
import { forEachTensor } from '../../../../src/core/formats/onnx/packed';
import { EMPTY_LIST } from '../../../../src/core/formats/onnx/empty-list';
import { deepIfModel } from '../../../helpers/hostile-files';
import { treeDifference } from './same-tree';
import { hasTestdata, testdataModels } from './testdata';

/** The fast reader either declines or gives exactly protobuf-es's model (and re-encodes to the input). */
function assertSameAsGeneric(bytes: Uint8Array, what: string, mustBeFast = true): 'fast' | 'declined' {
  const fast = decodeModelFast(bytes);
  if (!fast) {
    assert.ok(!mustBeFast, `${what}: the fast reader declined`);
    return 'declined';
  }
  const generic = decodeModelGeneric(bytes, what); // throws (failing the test) if protobuf-es refuses what the fast reader took
  const diff = treeDifference(fast, generic);
  assert.equal(diff, undefined, `${what}: ${diff}`);
  assert.deepEqual(Buffer.from(encodeModelProto(fast)), Buffer.from(encodeModelProto(generic)), `${what}: the two encode differently`);
  return 'fast';
}

/** Same outcome through decodeModelProto (fast reader first) and protobuf-es alone: equal models or the same error. */
function assertSameOutcome(bytes: Uint8Array, what: string): void {
  const outcome = (decode: () => unknown) => {
    try {
      return { model: decode() };
    } catch (e) {
      return { error: e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e) };
    }
  };
  const a = outcome(() => decodeModelProto(bytes, what));
  const b = outcome(() => decodeModelGeneric(bytes, what));
  if ('error' in b && !('error' in a)) assert.fail(`${what}: protobuf-es refuses (${b.error}) what decodeModelProto took`);
  if ('error' in a) {
    // decodeModelProto also refuses models without graph, functions or opsets, which decodeModelGeneric returns.
    if ('error' in b) assert.equal(a.error, b.error, what);
    else assert.match(a.error!, /no graph, no functions and no opset imports/, what);
    return;
  }
  const diff = treeDifference(a.model, b.model);
  assert.equal(diff, undefined, `${what}: ${diff}`);
}

const ROOT = path.resolve(__dirname, '../../../..');

/** libonnx-testdata's models, the project's fixtures and the shared ones (../shared/fixtures, when present). */
function allModels(): string[] {
  const files = testdataModels();
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.onnx')) files.push(p);
    }
  };
  walk(path.join(ROOT, 'test/fixtures'));
  walk(path.resolve(ROOT, '../shared/fixtures'));
  return files;
}

describe('ONNX fast decoder', () => {
  describe('every ONNX model we have', function () {
    before(function () {
      if (!hasTestdata()) this.skip();
    });

    it('decodes to exactly what protobuf-es gives, from a Buffer and from an unaligned plain Uint8Array, and re-encodes byte-identically', () => {
      const files = allModels();
      assert.ok(files.length >= 1075, `libonnx-testdata and the fixtures: ${files.length} models`);
      let attributes = 0;
      let floatData = 0;
      for (const file of files) {
        const bytes = fs.readFileSync(file);
        assertSameAsGeneric(bytes, file);
        // A plain Uint8Array (views are Uint8Arrays, not Buffers) one byte off, which moves float_data's alignment.
        const shifted = new Uint8Array(bytes.length + 1).subarray(1);
        shifted.set(bytes);
        assertSameAsGeneric(shifted, `${file} (Uint8Array at offset 1)`);
        const proto = decodeModelFast(bytes)!;
        assert.deepEqual(Buffer.from(encodeModelProto(proto)), bytes, `${file}: re-encoded bytes differ`);
        forEachTensor(proto, (t) => {
          if (t.rawData.length > 0) assert.equal(t.rawData.buffer, bytes.buffer, `${file}: raw_data of '${t.name}' is not a view`);
          if (t.floatData.length > 0) floatData++;
        });
        for (const n of proto.graph?.node ?? []) attributes += n.attribute.length;
      }
      assert.ok(attributes > 1000, `attributes in the corpus: ${attributes}`);
      assert.ok(floatData > 0, 'some tensors hold float_data');
    });
  });

  describe('crafted wire input', () => {
    it('keeps unknown fields of every wire type where they were, in models, graphs, nodes, attributes and tensors', () => {
      const unknowns = Buffer.concat([int(90, 7), fixed64(91), field(92, Buffer.from('??')), fixed32(93)]);
      const attr = cat(str(1, 'axis'), unknowns, int(3, 2), int(20, 2));
      const tensor = cat(int(1, 2), unknowns, int(2, 1), str(8, 'w'), field(9, Buffer.alloc(8, 1)));
      const node = cat(str(1, 'x'), unknowns, str(1, 'w'), str(2, 'y'), str(4, 'Gather'), field(5, attr), unknowns);
      const bytes = model(cat(field(1, node), unknowns, field(5, tensor), str(2, 'g')), unknowns);
      assert.equal(assertSameAsGeneric(bytes, 'unknowns'), 'fast');
      const proto = decodeModelFast(bytes)!;
      for (const m of [proto, proto.graph!, proto.graph!.node[0], proto.graph!.node[0].attribute[0], proto.graph!.initializer[0]]) {
        assert.equal(m.$unknown?.length, m === proto.graph!.node[0] ? 8 : 4, `${m.$typeName} keeps its unknown fields`);
      }
    });

    it('reads repeated fields split across the message, packed and unpacked, and the last of a repeated singular field', () => {
      const attr = cat(
        str(1, 'first'), packedInts(8, [1, -1]), int(8, 5), str(1, 'pads'), int(20, 7), packedInts(8, [2 ** 40, -(2 ** 40), 2 ** 31 + 5, 2 ** 32 - 1]),
        fixed32(7, 1.5), packedFloats(7, [2.5, -0]), str(21, 'ref'), str(13, 'doc'),
      );
      const strings = cat(str(1, 'mode'), field(9, Buffer.from('a')), int(20, 8), field(9, Buffer.from([0xff, 0xfe])), field(4, Buffer.from('s')));
      const meta = field(9, cat(str(1, 'k'), str(2, 'v')));
      const node = cat(
        str(2, 'y0'), str(1, 'a'), meta, str(3, 'n1'), str(1, 'b'), field(5, attr), str(2, 'y1'), str(4, 'Pad'), str(3, 'n2'),
        field(5, strings), str(7, 'com.x'), str(8, 'o'), str(6, 'héllo \u{1F600}'), str(1, '\uFEFFbom'), field(1, Buffer.from([0x61, 0xc3])),
      );
      const t1 = cat(packedInts(1, [2, 3]), int(1, 4), int(2, 1), str(8, 'w'), fixed32(4, 1), packedFloats(4, [2, 3]), int(14, 0));
      const t2 = cat(int(1, 1), int(2, 11), str(8, 'd'), field(10, Buffer.from(new Float64Array([Math.PI]).buffer)), str(12, 'doc'), int(14, 1));
      const bytes = model(cat(str(2, 'g'), field(1, node), field(5, t1), field(1, cat(str(4, 'Relu'))), field(5, t2)));
      assert.equal(assertSameAsGeneric(bytes, 'split'), 'fast');
      const n = decodeModelFast(bytes)!.graph!.node[0];
      assert.deepEqual(n.input, ['a', 'b', '\uFEFFbom', 'a\uFFFD']);
      assert.deepEqual(n.output, ['y0', 'y1']);
      assert.equal(n.name, 'n2');
      assert.deepEqual(n.attribute[0].ints, [1n, -1n, 5n, 2n ** 40n, -(2n ** 40n), 2n ** 31n + 5n, 2n ** 32n - 1n]);
      assert.deepEqual(n.attribute[0].floats, [1.5, 2.5, -0]);
      assert.equal(n.attribute[0].name, 'pads');
      assert.equal(n.metadataProps[0].value, 'v');
      const [w, d] = decodeModelFast(bytes)!.graph!.initializer;
      assert.deepEqual(w.dims, [2n, 3n, 4n]);
      assert.deepEqual(Array.from(w.floatData), [1, 2, 3]);
      assert.deepEqual(Array.from(d.doubleData), [Math.PI]);
    });

    it('reads attribute tensors itself, their float_data adopted once, and leaves subgraphs, sparse initializers, device configurations and external data to protobuf-es, in place', () => {
      const sub = cat(field(1, cat(str(1, 'x'), str(2, 'y'), str(4, 'Identity'))), str(2, 'then'));
      const tensor = cat(int(1, 2), int(2, 1), fixed32(4, 7), fixed32(4, 8), str(8, 'c'));
      const attrs = [
        cat(str(1, 'then_branch'), field(6, sub), int(20, 5)),
        cat(str(1, 'value'), field(5, tensor), int(20, 4), str(13, 'after the tensor')),
        // An unknown field sends part of this attribute to protobuf-es, whose tensors are adopted after: not the one read here.
        cat(str(1, 'value'), field(92, Buffer.from('??')), field(5, tensor), int(20, 4)),
      ];
      const node = cat(str(1, 'c'), str(2, 'y'), str(4, 'If'), ...attrs.map((a) => field(5, a)), field(10, cat(str(1, 'cfg'))));
      const init = cat(int(1, 1), int(2, 1), str(8, 'e'), int(14, 1), field(13, cat(str(1, 'location'), str(2, 'e.bin'))));
      const bytes = model(cat(field(1, node), field(5, init), field(15, cat(field(1, tensor), field(2, cat(int(1, 1), int(2, 7), int(7, 0))), int(3, 2)))));
      assert.equal(assertSameAsGeneric(bytes, 'delegated'), 'fast');
      const proto = decodeModelFast(bytes)!;
      const [then, value, beside] = proto.graph!.node[0].attribute;
      assert.equal(then.g!.node[0].opType, 'Identity');
      assert.deepEqual(Array.from(value.t!.floatData), [7, 8], 'an attribute\'s tensor has its float_data adopted');
      assert.deepEqual(Array.from(beside.t!.floatData), [7, 8], 'and keeps it beside a field protobuf-es read');
      assert.equal(beside.$unknown?.length, 1);
      assert.ok(proto.graph!.sparseInitializer[0].values!.floatData instanceof Float32Array);
      assert.equal(proto.graph!.node[0].deviceConfigurations[0].configurationId, 'cfg');
      assert.equal(proto.graph!.initializer[0].externalData[0].value, 'e.bin');
    });

    it('declines what is off the well-formed path (protobuf-es then gives its own result or error)', () => {
      const node = cat(str(1, 'x'), str(2, 'y'), str(4, 'Relu'));
      const cases: [string, Buffer][] = [
        ['a string field as a varint', model(field(1, cat(int(4, 3), node)))],
        ['dims as fixed32', model(field(5, cat(fixed32(1, 1), str(8, 'w'))))],
        ['attribute i as length-delimited', model(field(1, cat(node, field(5, cat(str(1, 'a'), field(3, Buffer.from([1]))))))) ],
        ['a group', model(field(1, cat(node, varint(99 * 8 + 3), varint(99 * 8 + 4))))],
        ['a node field running past its node', model(cat(field(1, cat(node, Buffer.from([0x22, 0x05]))), Buffer.from('Relu!')))],
        ['two graphs', cat(model(field(1, node)), field(7, cat(str(2, 'second'))))],
        ['an 11-byte varint', model(field(1, cat(node, field(5, cat(str(1, 'a'), varint(3 * 8), Buffer.alloc(10, 0xff), Buffer.from([1]))))))],
        ['field number 0', model(field(1, cat(node, Buffer.from([0x02, 0x00]))))],
        // protobuf-es keeps an unknown closed-enum value as an unknown field, but drops it if the
        // message has other unknown fields: that quirk is left to protobuf-es itself
        ['an AttributeType the schema does not have', model(field(1, cat(node, field(5, cat(str(1, 'odd'), int(20, 99), int(3, 1))))))],
        ['a data_location the schema does not have', model(field(5, cat(int(1, 1), int(2, 1), str(8, 'e'), int(14, 9))))],
        ['a closed enum as a 10-byte negative', model(field(5, cat(int(2, 1), varint(14 * 8), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))))],
      ];
      for (const [what, bytes] of cases) {
        assert.equal(assertSameAsGeneric(bytes, what, false), 'declined', what);
        assertSameOutcome(bytes, what);
      }
    });

    it('gives protobuf-es\'s outcome for every truncation and for thousands of byte mutations', () => {
      const attr = cat(str(1, 'perm'), packedInts(8, [0, -2, 1]), int(20, 7), fixed32(2, 0.5), field(6, cat(field(1, cat(str(1, 'i'), str(2, 'o'), str(4, 'Neg'))), str(2, 's'))));
      const node = cat(str(1, 'x'), str(1, 'w'), str(2, 'y'), str(3, 'n'), str(4, 'Transpose'), field(5, attr), int(95, 3));
      const tensor = cat(packedInts(1, [2, 2]), int(2, 1), str(8, 'w'), field(9, Buffer.alloc(16, 2)), fixed32(4, 1));
      const good = model(cat(field(1, node), field(5, tensor), str(2, 'g'), field(1, node)), int(96, 1));
      assert.equal(assertSameAsGeneric(good, 'good'), 'fast');
      for (let n = 1; n < good.length; n++) assertSameOutcome(good.subarray(0, n), `first ${n} bytes`);
      let seed = 22;
      const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
      let fast = 0;
      for (let i = 0; i < 4000; i++) {
        const bad = Buffer.from(good);
        for (let k = 1 + (next() % 3); k > 0; k--) bad[next() % bad.length] = next() % 256;
        assertSameOutcome(bad, `mutation ${i}`);
        if (decodeModelFast(bad)) fast++;
      }
      assert.ok(fast > 1000, `the fast reader took ${fast} of the 4,000 mutations`);
    });

    it('refuses If nested 3,000 deep with the file named, and agrees with protobuf-es around the depth limit', () => {
      assert.throws(() => decodeModelProto(deepIfModel(3000), 'deep.onnx'), (e: unknown) =>
        e instanceof OnnxFormatError && /deep\.onnx: its messages nest more than 100 deep/.test(e.message));
      let took = 0;
      for (let depth = 28; depth <= 36; depth++) {
        assertSameOutcome(deepIfModel(depth), `If nested ${depth} deep`);
        if (decodeModelFast(deepIfModel(depth))) took++;
      }
      assert.ok(took > 0 && took < 9, `the limit falls inside the range (${took} of 9 decoded)`);
    });
  });

  it('shares the one frozen empty list for empty tensor and attribute lists and device configurations, as built messages do', () => {
    const m = decodeModelFast(fs.readFileSync(path.join(ROOT, 'test/fixtures/fmnist_cnn.onnx')))!;
    assert.ok(Object.isFrozen(EMPTY_LIST));
    const tensors = m.graph!.initializer;
    assert.ok(tensors.length > 0);
    for (const t of tensors) {
      for (const list of [t.floatData, t.int32Data, t.stringData, t.int64Data, t.externalData, t.doubleData, t.uint64Data, t.metadataProps]) assert.equal(list, EMPTY_LIST, t.name);
      assert.notEqual(t.dims, EMPTY_LIST, 'a filled list is its own');
      assert.ok(t.dims.length > 0);
    }
    const withInts = m.graph!.node.flatMap((n) => n.attribute).find((a) => a.ints.length > 0)!;
    assert.ok(withInts, 'the CNN has list attributes');
    assert.notEqual(withInts.ints, EMPTY_LIST);
    assert.equal(withInts.floats, EMPTY_LIST);
    for (const n of m.graph!.node) assert.equal(n.deviceConfigurations, EMPTY_LIST);
    // Appending to a shared list would change every message at once: it throws instead.
    assert.throws(() => (tensors[0].int64Data as bigint[]).push(1n), TypeError);
  });
});

function varint(n: number | bigint): Buffer {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  while (v > 127n) { out.push(Number(v & 127n) | 128); v >>= 7n; }
  out.push(Number(v));
  return Buffer.from(out);
}
const cat = (...parts: Buffer[]) => Buffer.concat(parts);
const field = (no: number, payload: Uint8Array) => cat(varint(no * 8 + 2), varint(payload.length), Buffer.from(payload));
const str = (no: number, s: string) => field(no, Buffer.from(s));
const int = (no: number, v: number) => cat(varint(no * 8), varint(v));
const packedInts = (no: number, vs: number[]) => field(no, cat(...vs.map(varint)));
function fixed32(no: number, v = 1): Buffer {
  const b = Buffer.alloc(4);
  b.writeFloatLE(v);
  return cat(varint(no * 8 + 5), b);
}
const fixed64 = (no: number) => cat(varint(no * 8 + 1), Buffer.alloc(8, 3));
const packedFloats = (no: number, vs: number[]) => field(no, Buffer.from(new Float32Array(vs).buffer));
/** ir_version 8, the graph, opset 17, then `tail`. */
const model = (graph: Buffer, tail = Buffer.alloc(0)) => cat(int(1, 8), field(7, graph), field(8, int(2, 17)), tail);
