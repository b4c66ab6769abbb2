/**
 * The issue's three byte targets, measured on a repository served by Debian's nginx (its access
 * log counts what went over the wire: status line, headers, body), each printed next to what the
 * same device would have transferred without the mechanism (the reference):
 *   - a delta release changing ~10% of the weight bytes: bytes of that check vs the full model;
 *   - an up-to-date device, after changes elsewhere in the repository and with none: model bytes
 *     (0) and metadata bodies vs 2 KB, next to the same files uncompressed;
 *   - a resume after an interrupted download: bytes of the resumed request vs the remaining bytes
 *     + 64 KB, and vs downloading the whole file again.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CancelledError } from '../src/core/base/cancel';
import { ModelUpdater, type UpdateResult } from '../src/ota/client';
import { initRepository } from '../src/ota/publisher/init';
import { KeySource } from '../src/ota/publisher/keys';
import { publishRelease } from '../src/ota/publisher/publish';
import { startNginx, type AccessEntry } from '../test/helpers/nginx';
import { fineTuned } from '../test/helpers/ota';

const FIXTURES = path.resolve(__dirname, '../test/fixtures');
const MODELS = ['fmnist_mobilenet.int8.onnx', 'fmnist_mobilenet.onnx', 'fmnist_cnn.onnx'];
const DELTA_LIMIT = 0.12;
const UP_TO_DATE_LIMIT = 2048;
const RESUME_SLACK = 65_536;

export interface TargetFigures {
  met: boolean;
  lines: string[];
}

export async function measureTargets(root: string): Promise<TargetFigures> {
  const repo = path.join(root, 'targets-repo');
  const init = initRepository(repo, { keysDir: path.join(root, 'targets-keys') });
  const keys = new KeySource(init.keys.dir, {});
  const nginx = await startNginx(repo);
  const lines: string[] = [];
  let met = true;
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  try {
    const served = async (check: () => Promise<UpdateResult>) => {
      const before = nginx.accessLog().length;
      const result = await check();
      return { result, log: nginx.accessLog().slice(before) };
    };
    const sum = (es: AccessEntry[]) => es.reduce((n, e) => n + e.bytes, 0);
    const device = (channel: string, id: string, bundled: string, bundledVersion?: string) => new ModelUpdater({
      repo: nginx.url, trustedRoot: init.trustedRoot, dir: path.join(root, 'targets-devices', id), channel,
      bundledModel: bundled, bundledVersion, deviceId: id, appVersion: '1.0.0',
    });

    lines.push(`delta release changing ~10% of the weight bytes (whole tensors from the last layers): <= ${pct(DELTA_LIMIT)} of the model`);
    let firstDevice: ModelUpdater | undefined;
    for (const name of MODELS) {
      const channel = name.replace(/\.onnx$/, '').replace(/[^a-z0-9]+/gi, '-');
      const base = path.join(FIXTURES, name);
      const tuned = fineTuned(base, path.join(root, 'targets-models', channel, name), 0.1);
      await publishRelease(repo, keys, { model: base, channel, version: '1.0.0', rollout: 100 });
      const pub = await publishRelease(repo, keys, { model: tuned.file, channel, version: '1.1.0', rollout: 100, deltaFrom: '1.0.0' });
      const d = device(channel, `delta-${channel}`, base, '1.0.0');
      const { result, log } = await served(() => d.checkForUpdate());
      const targetBytes = sum(log.filter((e) => e.uri.startsWith('/targets/')));
      const share = sum(log) / pub.release.size;
      const ok = result.via === 'delta' && share <= DELTA_LIMIT;
      met &&= ok;
      lines.push(`  ${name} (${pub.release.size} B): ${pct(tuned.changedWeightBytes / tuned.weightBytes)} of weight bytes changed -> the check transferred ${sum(log)} B = ${pct(share)} ` +
        `(patch ${targetBytes} B with headers, metadata ${sum(log) - targetBytes} B; via ${result.via}) vs a full download ${pub.release.size} B: ${ok ? 'MET' : 'NOT MET'}`);
      firstDevice ??= d;
    }

    // The first device is on its channel's newest release. Its next check follows the other
    // channels' publishes (the repository changed: new snapshot and targets); the one after that
    // finds nothing changed. Reference: the same metadata files uncompressed.
    lines.push(`up-to-date device: 0 model bytes and <= ${UP_TO_DATE_LIMIT} B of metadata per check`);
    for (const label of ['after changes elsewhere in the repository', 'repository unchanged']) {
      const u = await served(() => firstDevice!.checkForUpdate());
      const modelBytes = u.result.traffic.modelBytes + u.result.traffic.deltaBytes;
      const bodies = u.log.reduce((n, e) => n + e.bodyBytes, 0);
      const raw = u.log.reduce((n, e) => n + (e.status === 200 ? fs.statSync(path.join(repo, e.uri)).size : e.bodyBytes), 0);
      const ok = u.result.action === 'up-to-date' && modelBytes === 0 && bodies <= UP_TO_DATE_LIMIT;
      met &&= ok;
      lines.push(`  ${label}: ${u.log.length} requests, metadata bodies ${bodies} B (uncompressed: ${raw} B), ${sum(u.log)} B with headers ` +
        `(${u.log.map((e) => `${e.uri} ${e.status} ${e.bodyBytes} B`).join(', ')}), ${modelBytes} model bytes: ${ok ? 'MET' : 'NOT MET'}`);
    }

    // Resume: a device with no delta base downloads the whole file and is interrupted at 40%.
    const big = path.join(FIXTURES, 'fmnist_cnn.onnx');
    const full = await publishRelease(repo, keys, { model: big, channel: 'full', version: '2.0.0', rollout: 100 });
    const r = device('full', 'resume', path.join(FIXTURES, 'fmnist_mobilenet.onnx'));
    const stop = new AbortController();
    const first = await served(() => r.checkForUpdate({
      signal: stop.signal,
      onProgress: (p) => { if (p.step === 'download' && (p.bytes ?? 0) >= 0.4 * full.release.size) stop.abort(); },
    }).catch((e: unknown) => {
      if (e instanceof CancelledError) return undefined as unknown as UpdateResult;
      throw e;
    }));
    const again = await served(() => r.checkForUpdate());
    const resumed = again.log.filter((e) => e.uri.startsWith('/targets/'));
    const remaining = full.release.size - (again.result.resumedFrom ?? 0);
    const resumedBytes = sum(resumed);
    const resumeOk = again.result.action === 'installed' && resumed.length === 1 && resumed[0].status === 206 && resumedBytes <= remaining + RESUME_SLACK;
    met &&= resumeOk;
    lines.push(`resume after an interrupted download: <= the remaining bytes + ${RESUME_SLACK} B`);
    lines.push(`  fmnist_cnn.onnx (${full.release.size} B), stopped after ${again.result.resumedFrom ?? 0} B had been written ` +
      `(nginx sent ${sum(first.log.filter((e) => e.uri.startsWith('/targets/')))} B to the first attempt): the resume (${resumed.map((e) => `${e.status} ${e.range}`).join(', ')}) ` +
      `sent ${resumedBytes} B with headers; remaining ${remaining} B, limit ${remaining + RESUME_SLACK} B; a fresh download would send ${full.release.size} B: ${resumeOk ? 'MET' : 'NOT MET'}`);
  } finally {
    await nginx.stop();
  }
  return { met, lines };
}
