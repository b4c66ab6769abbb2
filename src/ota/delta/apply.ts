/**
 * Rebuilds a release from the installed model and a patch (device side). The output is written
 * as it is assembled, hashed on the way, and only reported good when its length and sha256 are
 * the release's; anything else is a DeltaMismatchError and the caller fetches the full file.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { writeAll } from '../files';
import { decodePatch, type PatchHeader } from './patch';

export class DeltaMismatchError extends Error {}

export interface RebuildTarget {
  sha256: string;
  size: number;
}

/** The new file's bytes, in order: the patch's literals and ranges of the installed model (the patch's base). */
export function* rebuildChunks(header: PatchHeader, literals: Uint8Array, installed: Uint8Array): Generator<Uint8Array> {
  let lit = 0;
  for (const s of header.segments) {
    if ('literal' in s) {
      if (!(s.literal >= 0) || lit + s.literal > literals.length) throw new DeltaMismatchError('a patch literal runs past its end');
      yield literals.subarray(lit, lit + s.literal);
      lit += s.literal;
    } else {
      if (!(s.copy >= 0 && s.length >= 0 && s.copy + s.length <= installed.length)) throw new DeltaMismatchError(`a copy (${s.copy}+${s.length}) runs past the installed model's ${installed.length} bytes`);
      yield installed.subarray(s.copy, s.copy + s.length);
    }
  }
}

export function applyDelta(patchBytes: Uint8Array, installedFile: string, outFile: string, expected: RebuildTarget): void {
  const { header, literals } = decodePatch(patchBytes);
  if (header.to.sha256 !== expected.sha256 || header.to.size !== expected.size) {
    throw new DeltaMismatchError(`the patch builds ${header.to.version} (${header.to.sha256.slice(0, 12)}), not the release's file`);
  }
  const installed = fs.readFileSync(installedFile);
  if (createHash('sha256').update(installed).digest('hex') !== header.from.sha256) {
    throw new DeltaMismatchError(`the installed model is not the patch's base ${header.from.version}`);
  }
  const hash = createHash('sha256');
  const fd = fs.openSync(outFile, 'w');
  try {
    let written = 0;
    for (const chunk of rebuildChunks(header, literals, installed)) {
      if (written + chunk.length > expected.size) throw new DeltaMismatchError('the rebuilt model is longer than the release');
      hash.update(chunk);
      writeAll(fd, chunk);
      written += chunk.length;
    }
    if (written !== expected.size) throw new DeltaMismatchError(`rebuilt ${written} bytes, the release has ${expected.size}`);
    if (hash.digest('hex') !== expected.sha256) throw new DeltaMismatchError('the rebuilt model\'s sha256 is not the release\'s');
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(outFile, { force: true });
    throw e;
  }
  fs.closeSync(fd);
}
