/** Text output of `edgewise release` (its --json prints the same objects). */
import type { ChannelChangeResult } from '../../ota/publisher/channel';
import type { InitResult } from '../../ota/publisher/init';
import type { PublishResult } from '../../ota/publisher/publish';
import type { RepositoryStatus } from '../../ota/publisher/status';
import { table } from '../format';
import { formatBytes, formatPercent } from '../../core/base/units';

export function printInit(r: InitResult): string {
  const roles = Object.entries(r.keys.roles).map(([role, k]) => [role, `${k.threshold} of ${k.keyIds.length}`, k.files.join(', ')]);
  return [
    `release repository ${r.repo}`,
    `trusted root: ${r.trustedRoot}`,
    '  ship this file with your app (trustedRoot / --root); it is public',
    `private keys: ${r.keys.dir} (outside the repository; keep them secret)`,
    table([['role', 'threshold', 'key files'], ...roles]),
    'In CI, give the keys as environment variables instead, e.g.',
    `  EDGEWISE_KEY_TARGETS="$(cat ${r.keys.roles.targets.files[0]})"  (likewise _SNAPSHOT, _TIMESTAMP; root only to re-sign root)`,
    `Serve ${r.repo} as static files; devices use its URL as repo.`,
  ].join('\n');
}

export function printPublish(r: PublishResult): string {
  const x = r.release;
  const lines = [
    `published ${x.channel} ${x.version}: ${formatBytes(x.size)}, sha256 ${x.sha256.slice(0, 16)}..., rollout ${x.rollout}%${x.minAppVersion ? `, app >= ${x.minAppVersion}` : ''}`,
    `  file: ${r.file}`,
  ];
  const d = r.delta;
  if (d?.path) lines.push(`  delta from ${d.from}: ${formatBytes(d.size!)} (${formatPercent(d.fraction!)} of the model; ${d.changedTensors} tensors carried, ${d.reusedTensors} reused from ${d.from})`);
  else if (d) lines.push(`  no delta from ${d.from}: ${d.skipped}`);
  lines.push(`  metadata: targets v${r.metadataVersion.targets}, snapshot v${r.metadataVersion.snapshot}, timestamp v${r.metadataVersion.timestamp}`);
  return lines.join('\n');
}

export function printChange(r: ChannelChangeResult): string {
  const a = r.after;
  if (r.action === 'promote') return `${a.channel} ${a.version}: rollout ${r.before.rollout}% -> ${a.rollout}%${r.before.state === 'paused' ? ' (resumed)' : ''}`;
  if (r.action === 'retire') return `${a.channel} ${a.version} retired: ${r.removed!.join(', ')} left the signed list (the files stay); devices on it keep it until a newer release applies`;
  if (r.action === 'pause') return `${a.channel} ${a.version} paused at ${a.rollout}%: devices on it keep it, no new device takes it`;
  return `${a.channel} ${a.version} rolled back: devices on it go to ${r.devicesReturnTo ?? 'their bundled model'} at their next check`;
}

export function printStatus(s: RepositoryStatus): string {
  const lines = [`${s.repo} (targets v${s.metadata.targetsVersion}, timestamp v${s.metadata.timestampVersion}, timestamp expires ${s.metadata.expires.timestamp})`];
  for (const c of s.channels) {
    lines.push(`channel ${c.channel}`);
    const rows = [['version', 'state', 'rollout', 'size', 'delta', 'min app', 'published', ...(s.health ? ['installed', 'loaded', 'failed', 'fallback'] : [])]];
    for (const r of c.releases) {
      const h = r.health;
      rows.push([
        r.version, r.state, `${r.rollout}%`, formatBytes(r.size), r.delta ? `from ${r.delta.from} (${formatBytes(r.delta.size)})` : '-',
        r.minAppVersion ?? '-', r.publishedAt.slice(0, 16).replace('T', ' '),
        ...(s.health ? [String(h?.installed ?? 0), String(h?.loadOk ?? 0), String(h?.loadFailed ?? 0), `${h?.fallback ?? 0}${h && h.failureRate > 0 ? ` (${formatPercent(h.failureRate)})` : ''}`] : []),
      ]);
    }
    lines.push(table(rows));
    for (const r of c.releases) for (const x of r.health?.reasons ?? []) lines.push(`  ${r.version}: ${x.devices} device(s): ${x.reason}`);
  }
  if (s.channels.length === 0) lines.push('no releases');
  for (const w of s.metadata.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}

