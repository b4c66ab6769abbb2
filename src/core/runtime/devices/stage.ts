/**
 * Models and input files on the device, cached by content: `models/KEY/NAME`, where KEY hashes
 * every file the model needs (an ONNX model's external data files sit next to it under their own
 * names). An unchanged model is never uploaded twice. On the emulated device (this machine's
 * files) nothing is copied.
 */
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import { loadModelWeightsOnDisk } from '../../formats/onnx/weights-on-disk';
import { externalRef, resolveExternalPath } from '../../formats/onnx/external';
import { isExternal } from '../../formats/onnx/tensor';
import type { Device } from './device';
import { localFile, upload, type LocalFile, type UploadOptions } from './upload';

/**
 * External data files of an ONNX model, relative to its folder (none for other formats). The model
 * is skimmed, its weights left unread (a 25 MB model would otherwise be decoded on every run); the
 * weights it holds itself then point into the model file, which is no companion.
 */
export function companionFiles(model: string): string[] {
  if (!model.toLowerCase().endsWith('.onnx')) return [];
  const m = loadModelWeightsOnDisk(model);
  const self = path.basename(model);
  const locations = new Set<string>();
  for (const t of m.graph.proto.initializer) if (isExternal(t)) locations.add(externalRef(t, model).location);
  locations.delete(self);
  const dir = path.dirname(model);
  return [...locations].map((loc) => path.relative(dir, resolveExternalPath(dir, loc, model)));
}

/** A local file and the files it needs, with where they go on the device. */
export interface StagePlan {
  file: string;
  /** Path on the device: relative to the device folder, or this machine's path when files are shared. */
  remote: string;
  /** Every file's device path (for checking they are all there). */
  remotes: string[];
  locals: LocalFile[];
}

/** Where `file` (and its external data) live on `device`; hashes locally, asks the device nothing. */
export async function planStage(file: string, sharesFiles: boolean): Promise<StagePlan> {
  if (sharesFiles) return { file, remote: file, remotes: [], locals: [] };
  const dir = path.dirname(file);
  const parts = [path.basename(file), ...companionFiles(file)];
  const locals = await Promise.all(parts.map((p) => localFile(path.join(dir, p))));
  const key = crypto.createHash('sha256').update(parts.map((p, i) => `${p}\0${locals[i].sha256}\n`).join('')).digest('hex').slice(0, 32);
  const remotes = parts.map((p) => `models/${key}/${p}`);
  return { file, remote: remotes[0], remotes, locals };
}

/** Uploads what of `plan` the device lacks; returns the bytes sent (0: all cached). */
export async function stage(device: Device, plan: StagePlan, options: UploadOptions = {}): Promise<number> {
  const total = plan.locals.reduce((n, f) => n + f.bytes, 0);
  let before = 0;
  let sent = 0;
  for (let i = 0; i < plan.locals.length; i++) {
    const base = before;
    const r = await upload(device, plan.locals[i], plan.remotes[i], { ...options, onProgress: (n) => options.onProgress?.(base + n, total) });
    if (r === 'uploaded') sent += plan.locals[i].bytes;
    before += plan.locals[i].bytes;
  }
  return sent;
}
