/** Release repositories, model variants and device folders for the OTA tests. */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeModelProto, encodeModelProto } from '../../src/core/formats/onnx/codec';
import { DataType } from '../../src/core/tensor/dtypes';
import { initRepository, type InitResult } from '../../src/ota/publisher/init';
import { KeySource } from '../../src/ota/publisher/keys';
import { publishRelease, type PublishOptions } from '../../src/ota/publisher/publish';

export const BASE_MODEL = path.resolve(__dirname, '../fixtures/fmnist_mobilenet.onnx');

export function tmpDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `ew-${tag}-`));
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function sha256File(file: string): string {
  return sha256(fs.readFileSync(file));
}

export interface TestRepo {
  root: string;
  repo: string;
  keysDir: string;
  keys: KeySource;
  init: InitResult;
  publish(o: Omit<PublishOptions, 'channel' | 'rollout'> & { channel?: string; rollout?: number }): ReturnType<typeof publishRelease>;
}

/** A fresh repository (and key folder beside it, outside it). */
export function makeRepo(tag = 'repo'): TestRepo {
  const root = tmpDir(tag);
  const repo = path.join(root, 'repo');
  const keysDir = path.join(root, 'keys');
  const init = initRepository(repo, { keysDir });
  const keys = new KeySource(keysDir, {});
  return {
    root, repo, keysDir, keys, init,
    publish: (o) => publishRelease(repo, keys, { channel: 'stable', rollout: 100, ...o }),
  };
}

/**
 * A copy of `base` whose last tensors (about `fraction` of the weight bytes, whole tensors) are
 * changed as a fine-tuned head would be: float weights scaled by `factor`, 8-bit weights nudged
 * by one step. Returns the file and the changed share.
 */
export function fineTuned(base: string, out: string, fraction: number, factor = 1.01): { file: string; changedWeightBytes: number; weightBytes: number } {
  const bytes = fs.readFileSync(base);
  const model = decodeModelProto(bytes, base);
  const inits = model.graph!.initializer.filter((t) => t.rawData.length > 0);
  const weightBytes = inits.reduce((n, t) => n + t.rawData.length, 0);
  let changed = 0;
  for (let i = inits.length - 1; i >= 0 && changed < fraction * weightBytes; i--) {
    const t = inits[i];
    if (changed + t.rawData.length > fraction * weightBytes * 1.05 && changed > 0) continue;
    const copy = new Uint8Array(t.rawData); // never write into the input's buffer
    if (t.dataType === DataType.float32) {
      const f = new Float32Array(copy.buffer, 0, copy.length / 4);
      for (let j = 0; j < f.length; j++) f[j] = f[j] * factor + 1e-4;
    } else if (t.dataType === DataType.int8 || t.dataType === DataType.uint8) {
      for (let j = 0; j < copy.length; j++) copy[j] ^= 1;
    } else continue;
    t.rawData = copy;
    changed += copy.length;
  }
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, encodeModelProto(model));
  return { file: out, changedWeightBytes: changed, weightBytes };
}

/** A model that decodes but that ONNX Runtime refuses (a Conv weight of the wrong rank). */
export function brokenModel(base: string, out: string): string {
  const model = decodeModelProto(fs.readFileSync(base), base);
  const conv = model.graph!.initializer.find((t) => t.dims.length === 4)!;
  conv.dims = [conv.dims.reduce((a, b) => a * b, 1n)];
  fs.writeFileSync(out, encodeModelProto(model));
  return out;
}
