// A fleet on loopback: `npm run bench:fleet [-- --devices 10000 --days 8 --concurrency 8 --max-minutes 45]`.
// Simulated devices (the real device library, one folder each) check a release repository served
// by Debian's nginx once a day at one of their app launches, through a staged rollout: 1.1.0 (a
// fine-tuned head, delta from 1.0.0) 5% -> 25% -> 100%; 1.2.0, deliberately broken (ONNX Runtime
// refuses it), 5% until the health rule pauses and rolls it back; 1.2.1, the fix, staged again.
// A device "loads" its current model at each launch: the outcome of real onnxruntime-node on
// that file (computed once per distinct file). Time is simulated (hours); requests are real.
// Prints the issue's three byte targets first (bench/fleet-targets.ts; `--targets-only` stops
// there), then requests and bytes served per device per day (from nginx's access log), how many
// devices got the broken model before the pause, and the update time distribution.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { ModelUpdater } from '../src/ota/client';
import { startHealthCollector } from '../src/ota/publisher/health-server';
import { initRepository } from '../src/ota/publisher/init';
import { KeySource } from '../src/ota/publisher/keys';
import { publishRelease } from '../src/ota/publisher/publish';
import { loadHealth } from '../src/ota/publisher/status';
import { cohortPercent } from '../src/ota/rollout';
import { startNginx } from '../test/helpers/nginx';
import { brokenModel, fineTuned, sha256File } from '../test/helpers/ota';
import { measureTargets } from './fleet-targets';
import { Operator, percentiles, pool, rng, versionOf, type CheckLog, type Device, type Step } from './fleet-sim';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const DEVICES = Math.min(10_000, Number(arg('devices', '10000')));
const DAYS = Math.min(14, Number(arg('days', '8')));
const CONCURRENCY = Number(arg('concurrency', '8'));
const MAX_MS = Number(arg('max-minutes', '45')) * 60_000;
const LAUNCHES_PER_DAY = 4;
const UNMETERED_SHARE = 0.8;
const BASE = path.resolve(__dirname, '../test/fixtures/fmnist_mobilenet.int8.onnx');

async function main(): Promise<void> {
  const started = Date.now();
  const load0 = os.loadavg();
  // Device folders on tmpfs when there is one: the figures are about the protocol, not the disk's fsync.
  const shm = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-fleet-'));
  const devicesRoot = fs.mkdtempSync(path.join(shm, 'ew-fleet-devices-'));
  console.log(`# bench:fleet targets  ${new Date().toISOString()}  load ${load0.map((v) => v.toFixed(1)).join(' ')}; nginx on loopback, bytes from its access log`);
  const targets = await measureTargets(root);
  for (const line of targets.lines) console.log(line);
  console.log(`targets: ${targets.met ? 'all met' : 'NOT all met'}\n`);
  if (process.argv.includes('--targets-only')) {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(devicesRoot, { recursive: true, force: true });
    if (!targets.met) process.exitCode = 1;
    return;
  }
  const repo = path.join(root, 'repo');
  const init = initRepository(repo, { keysDir: path.join(root, 'keys') });
  const keys = new KeySource(init.keys.dir, {});
  const models = path.join(root, 'models');
  const m = {
    '1.1.0': fineTuned(BASE, path.join(models, '1.1.0', 'model.onnx'), 0.1).file,
    '1.2.1': fineTuned(BASE, path.join(models, '1.2.1', 'model.onnx'), 0.1, 1.02).file,
  };
  const broken = brokenModel(m['1.1.0'], path.join(models, 'broken.onnx'));
  fs.mkdirSync(path.join(models, '1.2.0'));
  fs.renameSync(broken, path.join(models, '1.2.0', 'model.onnx'));
  const bundled = path.join(models, 'model.onnx');
  fs.copyFileSync(BASE, bundled);
  await publishRelease(repo, keys, { model: bundled, channel: 'stable', version: '1.0.0', rollout: 100 });

  // What each distinct model does in ONNX Runtime (the "load" of a cold start).
  const outcome = new Map<string, string | undefined>();
  for (const [v, file] of [['bundled', bundled], ['1.1.0', m['1.1.0']], ['1.2.0', path.join(models, '1.2.0', 'model.onnx')], ['1.2.1', m['1.2.1']]]) {
    try {
      await (await ort.InferenceSession.create(file)).release();
      outcome.set(v, undefined);
    } catch (e) {
      outcome.set(v, (e as Error).message.split('\n')[0].slice(0, 160));
    }
  }
  console.log(`models: ${[...outcome].map(([v, e]) => `${v} ${e ? `FAILS in ORT (${e.slice(0, 60)}...)` : 'loads'}`).join(', ')}`);

  const nginx = await startNginx(repo);
  const collector = await startHealthCollector(path.join(root, 'health.jsonl'));
  const plan: Step[] = [
    { at: 0, publish: '1.1.0', model: m['1.1.0'], rollout: 5, deltaFrom: '1.0.0' },
    { at: 24, promote: '1.1.0', rollout: 25 },
    { at: 48, promote: '1.1.0', rollout: 100 },
    { at: 72, publish: '1.2.0', model: path.join(models, '1.2.0', 'model.onnx'), rollout: 5, deltaFrom: '1.1.0' },
    { at: 96, promote: '1.2.0', rollout: 25 },
    { at: 120, publish: '1.2.1', model: m['1.2.1'], rollout: 5, deltaFrom: '1.1.0' },
    { at: 144, promote: '1.2.1', rollout: 25 },
    { at: 168, promote: '1.2.1', rollout: 100 },
  ];
  const operator = new Operator(repo, keys, plan);

  const random = rng(17);
  const devices: Device[] = Array.from({ length: DEVICES }, (_, i) => {
    // A fleet in its steady state: each device last checked at some time in the day before.
    const d = { id: `device-${i}`, lastCheck: -random() * 24, unmetered: true } as Device;
    d.updater = new ModelUpdater({
      repo: nginx.url, trustedRoot: fs.readFileSync(init.trustedRoot), dir: path.join(devicesRoot, d.id),
      bundledModel: bundled, bundledVersion: '1.0.0', deviceId: d.id, appVersion: '1.0.0',
      canDownload: () => d.unmetered, healthUrl: collector.url, maxFailedLoads: 2,
    });
    return d;
  });
  const launches: { at: number; d: Device }[] = [];
  for (const d of devices) for (let day = 0; day < DAYS; day++) for (let k = 0; k < LAUNCHES_PER_DAY; k++) launches.push({ at: day * 24 + random() * 24, d });
  launches.sort((a, b) => a.at - b.at);

  const checks: CheckLog[] = [];
  const loads = { ok: 0, failed: 0, byVersion: new Map<string, number>() };
  let li = 0;
  let hour = 0;
  let truncated = false;
  for (; hour < DAYS * 24; hour++) {
    await operator.tick(hour, await loadHealth(collector.url));
    const batch: typeof launches = [];
    while (li < launches.length && launches[li].at < hour + 1) batch.push(launches[li++]);
    await pool(batch, CONCURRENCY, async ({ at, d }) => {
      // Cold start: load the current model, report; then the background check, at most daily.
      const file = await d.updater.currentModelPath();
      const v = versionOf(file, bundled);
      const error = outcome.get(v === '1.0.0' ? 'bundled' : v);
      loads[error ? 'failed' : 'ok']++;
      loads.byVersion.set(v, (loads.byVersion.get(v) ?? 0) + 1);
      await d.updater.reportLoad(error ? { ok: false, error } : { ok: true });
      if (at - d.lastCheck < 24) return;
      d.lastCheck = at;
      d.unmetered = random() < UNMETERED_SHARE;
      try {
        checks.push({ at, device: d.id, result: await d.updater.checkForUpdate() });
      } catch (e) {
        checks.push({ at, device: d.id, error: (e as Error).message });
      }
    });
    if (hour % 24 === 23) console.log(`  day ${(hour + 1) / 24}: ${checks.length} checks, ${loads.failed} failed loads, ${((Date.now() - started) / 1000).toFixed(0)} s`);
    if (Date.now() - started > MAX_MS) {
      truncated = true;
      hour++;
      break;
    }
  }
  const simDays = hour / 24;
  const wallS = (Date.now() - started) / 1000;
  const sizes = new Map(Object.entries({ ...m, '1.2.0': path.join(models, '1.2.0', 'model.onnx') }).map(([v, f]) => [v, fs.statSync(f).size]));
  report({ devices, checks, loads, operator, sizes, nginx: nginx.accessLog(), health: collector.accepted(), simDays, wallS, truncated, load0 });
  await collector.close();
  await nginx.stop();
  fs.rmSync(devicesRoot, { recursive: true, force: true });
  fs.rmSync(root, { recursive: true, force: true });
}

interface ReportInput {
  devices: Device[];
  checks: CheckLog[];
  loads: { ok: number; failed: number; byVersion: Map<string, number> };
  operator: Operator;
  /** Model size of each published version. */
  sizes: Map<string, number>;
  nginx: ReturnType<Awaited<ReturnType<typeof startNginx>>['accessLog']>;
  health: number;
  simDays: number;
  wallS: number;
  truncated: boolean;
  load0: number[];
}

function report(r: ReportInput): void {
  const n = r.devices.length;
  const perDeviceDay = (x: number) => x / n / r.simDays;
  const meta = r.nginx.filter((e) => e.uri.startsWith('/metadata/'));
  const targets = r.nginx.filter((e) => e.uri.startsWith('/targets/'));
  const deltas = targets.filter((e) => e.uri.endsWith('.delta'));
  const sum = (es: { bytes: number }[]) => es.reduce((s, e) => s + e.bytes, 0);
  const fmt = (x: number, d = 1) => x.toFixed(d);
  console.log(`\n# bench:fleet  ${new Date().toISOString()}  ${os.cpus()[0]?.model} x${os.cpus().length}, load ${r.load0.map((v) => v.toFixed(1)).join(' ')} -> ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}`);
  console.log(`${n} devices, ${fmt(r.simDays)} simulated days${r.truncated ? ' (STOPPED at the time bound)' : ''}, ${fmt(r.wallS, 0)} s wall; nginx 1.22 on loopback; device folders on tmpfs (no fsync cost)`);
  console.log(`checks ${r.checks.length} (${r.checks.filter((c) => c.error).length} failed), loads ${r.loads.ok} ok / ${r.loads.failed} failed`);
  console.log('\nserved per device per day (nginx access log: status line + headers + body)');
  console.log(`  requests  ${fmt(perDeviceDay(r.nginx.length), 2)} (metadata ${fmt(perDeviceDay(meta.length), 2)}, model/delta ${fmt(perDeviceDay(targets.length), 3)})`);
  console.log(`  bytes     ${fmt(perDeviceDay(sum(r.nginx)), 0)} (metadata ${fmt(perDeviceDay(sum(meta)), 0)}, full models ${fmt(perDeviceDay(sum(targets) - sum(deltas)), 0)}, deltas ${fmt(perDeviceDay(sum(deltas)), 0)})`);
  console.log(`  health reports ${fmt(perDeviceDay(r.health), 3)} POSTs to the collector`);
  const upToDate = (changed: boolean) => r.checks.filter((c) => c.result?.action === 'up-to-date' && c.result.repositoryChanged === changed).map((c) => c.result!.traffic.metadataBytes);
  console.log('  a check that finds the device up to date, metadata body bytes (client-side count):');
  console.log(`    repository unchanged since its last check: ${upToDate(false).length} checks, ${JSON.stringify(percentiles(upToDate(false)))}`);
  console.log(`    repository changed (a publish, promote or pause since): ${upToDate(true).length} checks, ${JSON.stringify(percentiles(upToDate(true)))}`);

  console.log('\nrollout log');
  for (const c of r.operator.changes) console.log(`  h${String(c.at).padStart(3)} ${c.action.padEnd(8)} ${c.version}${c.rollout !== undefined ? ` ${c.rollout}%` : ''}${c.why ? ` (${c.why})` : ''}`);

  const installs = r.checks.filter((c) => c.result?.action === 'installed' || c.result?.action === 'reverted');
  const paused = r.operator.pausedAt('1.2.0');
  const gotBroken = installs.filter((c) => c.result!.to === '1.2.0');
  console.log('\nthe broken release 1.2.0');
  console.log(`  devices that installed it: ${new Set(gotBroken.map((c) => c.device)).size} of ${n}, ${gotBroken.filter((c) => paused !== undefined && c.at < paused + 1).length} before the pause (hour ${paused ?? 'never'}), ${gotBroken.filter((c) => paused !== undefined && c.at >= paused + 1).length} after`);
  console.log(`  failed loads of it ${r.loads.byVersion.get('1.2.0') ?? 0}; devices on it at the end: ${r.devices.filter((d) => d.updater.status().current.version === '1.2.0').length}`);

  console.log('\nupdate time: hours from the moment a device may take a release to its install (checks are daily; 20% of checks are on metered networks and defer)');
  for (const v of ['1.1.0', '1.2.1']) {
    const delays: number[] = [];
    for (const c of installs.filter((x) => x.result!.to === v)) {
      const e = r.operator.eligibleAt(v, cohortPercent(c.device, 'stable', v));
      if (e !== undefined) delays.push(c.at - e);
    }
    const on = r.devices.filter((d) => d.updater.status().current.version === v).length;
    const p = percentiles(delays);
    console.log(`  ${v}: ${delays.length} installs, p50 ${fmt(p.p50)} h, p90 ${fmt(p.p90)} h, p99 ${fmt(p.p99)} h; on it at the end: ${on} (${fmt((100 * on) / n)}%)`);
  }
  const wall = (pred: (c: CheckLog) => boolean) => percentiles(r.checks.filter(pred).map((c) => c.result!.durationMs));
  console.log(`wall time of a check (ms, from checkForUpdate to its result; loopback, ${CONCURRENCY} devices at a time in one process, under the load above)`);
  console.log(`  up to date ${JSON.stringify(wall((c) => c.result?.action === 'up-to-date'))}`);
  console.log(`  delta install ${JSON.stringify(wall((c) => c.result?.via === 'delta'))}; full install ${JSON.stringify(wall((c) => c.result?.via === 'full'))}`);
  const d = installs.filter((c) => c.result!.via === 'delta');
  const f = installs.filter((c) => c.result!.via === 'full');
  console.log(`  installs by route: delta ${d.length}, full ${f.length}, installed copy / bundled ${installs.length - d.length - f.length}`);
  const share = d.map((c) => (c.result!.traffic.deltaBytes + c.result!.traffic.metadataBytes) / r.sizes.get(c.result!.to!)!);
  console.log(`  a delta install's patch + metadata body bytes as a share of the model: ${JSON.stringify(percentiles(share.map((x) => +(100 * x).toFixed(1))))} %`);
  const upModelBytes = r.checks.filter((c) => c.result?.action === 'up-to-date').reduce((n, c) => n + c.result!.traffic.modelBytes + c.result!.traffic.deltaBytes, 0);
  console.log(`  model bytes downloaded by the ${r.checks.filter((c) => c.result?.action === 'up-to-date').length} checks that found the device up to date: ${upModelBytes}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
