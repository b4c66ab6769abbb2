import * as fs from 'node:fs';
import { loadModel } from '../../core/formats/onnx/io';
import { encodeModelProto } from '../../core/formats/onnx/codec';
import { CliError, flag, type Command } from '../command';

export const roundtrip: Command = {
  name: 'roundtrip',
  usage: 'usage: edgewise roundtrip MODEL [--json]\n\nDecodes MODEL and re-encodes it in memory; reports whether the bytes are identical.',
  options: { json: { type: 'boolean' } },
  async run(args, io) {
    const file = args.positionals[0];
    if (!file) throw new CliError('missing MODEL argument', 2);
    const model = loadModel(file);
    const original = fs.readFileSync(model.label);
    const t0 = performance.now();
    const bytes = encodeModelProto(model.proto);
    const ms = performance.now() - t0;
    const identical = Buffer.compare(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), original) === 0;
    const result = { file: model.label, bytes: original.length, reencodedBytes: bytes.length, identical, encodeMs: Math.round(ms * 10) / 10 };
    if (flag(args, 'json')) io.out(JSON.stringify(result, null, 2));
    else io.out(`${result.file}: ${identical ? 'byte-identical' : 'DIFFERS'} after round trip (${result.bytes} bytes, encoded in ${result.encodeMs} ms)`);
    return identical ? 0 : 1;
  },
};
