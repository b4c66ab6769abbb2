/**
 * Resumable uploads into the device folder. A file is written to `NAME.part` by `cat >>` on the
 * device, checked with sha256sum and only then renamed: a file under its final name is complete.
 * After a dropped connection the upload reconnects and continues from the part's size.
 */
import * as fs from 'node:fs';
import { CancelledError } from '../../base/cancel';
import { fileSha256 } from '../../base/file-hash';
import type { Device } from './device';
import { DeviceError } from './errors';
import { describeExit, lastLine, q } from './shell';

export interface LocalFile {
  path: string;
  bytes: number;
  sha256: string;
}

export interface UploadOptions {
  signal?: AbortSignal;
  onProgress?(sentBytes: number, totalBytes: number): void;
  /** Connection attempts after a drop; default 5. */
  attempts?: number;
}

/** Size and SHA-256 of a local file (read once per version of the file: base/file-hash.ts). */
export async function localFile(file: string): Promise<LocalFile> {
  const st = fs.statSync(file);
  return { path: file, bytes: st.size, sha256: await fileSha256(file, st) };
}

/**
 * Puts `file` at `remote` (relative to the device folder) unless a complete copy is there.
 * Returns whether bytes were sent.
 */
export async function upload(device: Device, file: LocalFile, remote: string, options: UploadOptions = {}): Promise<'cached' | 'uploaded'> {
  const part = `${remote}.part`;
  const dir = remote.includes('/') ? remote.slice(0, remote.lastIndexOf('/')) : '.';
  const exists = await device.run(`test -f ${q(remote)}`);
  if (exists.code === 0) return 'cached';
  const attempts = options.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) throw new CancelledError();
    let offset: number;
    try {
      offset = await partSize(device, dir, part, file.bytes);
      if (offset < file.bytes) await append(device, file, part, offset, options);
      break;
    } catch (e) {
      if (!(e instanceof DeviceError && e.kind === 'lost') || attempt >= attempts || options.signal?.aborted) throw e;
      await device.reconnect();
    }
  }
  const sum = (await device.runChecked(`sha256sum ${q(part)}`, `checking the upload of ${file.path}`)).split(/\s+/)[0];
  if (sum !== file.sha256) {
    await device.run(`rm -f ${q(part)}`);
    throw new Error(`${device.label}: the uploaded copy of ${file.path} is corrupt (sha256 ${sum}, expected ${file.sha256}); run again`);
  }
  await device.runChecked(`mv -f ${q(part)} ${q(remote)} && rm -f ${q(`${part}.pid`)}`, `storing ${file.path}`);
  return 'uploaded';
}

/**
 * Bytes of the part file already on the device. A writer left from a dropped connection is
 * stopped first, so the size cannot grow behind our back.
 */
async function partSize(device: Device, dir: string, part: string, total: number): Promise<number> {
  const pid = q(`${part}.pid`);
  const out = await device.runChecked(
    `mkdir -p ${q(dir)} && if [ -f ${pid} ]; then p=$(cat ${pid}); kill $p 2>/dev/null; while kill -0 $p 2>/dev/null; do sleep 0.05; done; fi; ` +
    `if [ -f ${q(part)} ]; then wc -c < ${q(part)}; else echo 0; fi`, 'looking for a partial upload');
  const size = Number(out.trim());
  if (!Number.isFinite(size) || size > total) {
    await device.runChecked(`rm -f ${q(part)}`, 'removing a bad partial upload');
    return 0;
  }
  return size;
}

async function append(device: Device, file: LocalFile, part: string, offset: number, options: UploadOptions): Promise<void> {
  const proc = await device.spawn(`echo $$ > ${q(`${part}.pid`)} && exec cat >> ${q(part)}`);
  let stderr = '';
  proc.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  proc.stdout.resume();
  let sent = offset;
  const source = fs.createReadStream(file.path, { start: offset, highWaterMark: 1 << 18 });
  source.on('data', (chunk) => {
    sent += chunk.length;
    options.onProgress?.(sent, file.bytes);
  });
  const onAbort = () => { source.destroy(); proc.kill(); };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  proc.stdin.on('error', () => undefined);
  source.pipe(proc.stdin);
  const status = await proc.done;
  options.signal?.removeEventListener('abort', onAbort);
  if (options.signal?.aborted) throw new CancelledError();
  if (status.lost) throw new DeviceError('lost', `${device.label}: the connection dropped while uploading ${file.path}`);
  if (status.code !== 0) {
    if (/no space left/i.test(stderr)) throw await device.diskFull(`uploading ${file.path}`, file.bytes);
    throw new Error(`${device.label}: uploading ${file.path} failed: ${lastLine(stderr) || describeExit(status)}`);
  }
}
