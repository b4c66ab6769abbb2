/**
 * The device's model updater. An app calls `currentModelPath()` at cold start and loads that
 * file; `checkForUpdate()` in the background (it installs the next model, used from the next cold
 * start); `reportLoad()` after loading, so a model that fails to load N times is replaced by the
 * previous one and never installed again.
 */
import * as fs from 'node:fs';
import semverCoerce from 'semver/functions/coerce';
import { acquireLock } from '../lock';
import { checkChannelName } from '../release';
import type { HealthReport } from '../health';
import { destroyAgents, keepAliveAgents } from './http';
import { HealthOutbox } from './health-outbox';
import { BUNDLED, DeviceFolder, type ModelRef } from './store';
import { runUpdateCycle, type UpdateProgress, type UpdateResult } from './update-cycle';

export interface ModelUpdaterOptions {
  /** Base URL of the release repository (its `metadata/` and `targets/` folders). */
  repo: string | URL;
  /** The repository's initial root metadata, shipped with the app: a file path or its bytes. */
  trustedRoot: string | Uint8Array;
  /** A folder the updater owns (installed models, metadata, state). */
  dir: string;
  /** The model inside the app, used until a release is installed and as the last fallback. */
  bundledModel?: string;
  /** The release version the bundled model is, if it is one (lets a delta start from it). */
  bundledVersion?: string;
  deviceId: string;
  appVersion: string;
  /** Release channel to follow (default 'stable'). */
  channel?: string;
  /** Asked before any model bytes are downloaded (e.g. unmetered network and battery >= 30%). */
  canDownload?: () => boolean | Promise<boolean>;
  /** Endpoint that receives health reports as JSON POSTs. */
  healthUrl?: string;
  /** Cold starts without a successful load after which the previous model is restored (default 3). */
  maxFailedLoads?: number;
  /** A transfer is abandoned (and resumed next time) when nothing arrives for this long (default 30 s). */
  idleTimeoutMs?: number;
  /** Longest wait for another updater on the same folder (default 10 minutes). */
  lockTimeoutMs?: number;
}

export interface LoadReport {
  ok: boolean;
  error?: string;
  /** Result of an optional canary inference after loading; a failed canary counts as a failed load. */
  canary?: { ok: boolean; detail?: string };
}

export interface CheckOptions {
  signal?: AbortSignal;
  onProgress?: (p: UpdateProgress) => void;
}

export interface DeviceStatus {
  current: { version: string | null; path: string | undefined; confirmed: boolean; attempts: number };
  previous?: { version: string | null };
  blocked: Record<string, { reason: string; at: string }>;
}

/** What a device folder holds now: the model a cold start would load, the fallback, blocked releases. */
export function deviceStatus(dir: string, bundledModel?: string, bundledVersion?: string): DeviceStatus {
  const folder = new DeviceFolder(dir);
  const p = folder.pointer();
  const h = folder.health(p.current);
  const bundled = p.current.file === null;
  return {
    current: { version: bundled ? bundledVersion ?? null : p.current.version, path: bundled ? bundledModel : folder.absolute(p.current), confirmed: h.confirmed, attempts: h.attempts },
    previous: p.previous ? { version: p.previous.version } : undefined,
    blocked: h.blocked,
  };
}

export class ModelUpdater {
  private readonly folder: DeviceFolder;
  private readonly channel: string;
  private readonly appVersion: string;
  private readonly maxFailedLoads: number;
  private readonly outbox: HealthOutbox;

  constructor(private readonly o: ModelUpdaterOptions) {
    if (!o.deviceId) throw new Error('ModelUpdater: deviceId is required');
    this.channel = o.channel ?? 'stable';
    checkChannelName(this.channel);
    const app = semverCoerce(o.appVersion);
    if (!app) throw new Error(`ModelUpdater: appVersion '${o.appVersion}' is not a version`);
    this.appVersion = app.version;
    this.maxFailedLoads = Math.max(1, o.maxFailedLoads ?? 3);
    this.folder = new DeviceFolder(o.dir);
    this.outbox = new HealthOutbox(this.folder.outboxFile, o.healthUrl);
  }

  /**
   * The model a cold start should load. While a newly installed model has not loaded well yet,
   * each call counts an attempt; after `maxFailedLoads` of them the previous model comes back.
   */
  async currentModelPath(): Promise<string> {
    const p = this.folder.pointer();
    if (!this.folder.intact(p.current)) {
      this.fallback(p.current, 'the installed model file is missing or damaged');
      return this.currentModelPath();
    }
    const h = this.folder.health(p.current);
    if (!h.confirmed) {
      if (h.attempts >= this.maxFailedLoads) {
        await this.fallbackAndReport(p.current, h.lastError ?? `${h.attempts} cold starts without a successful load`);
        return this.currentModelPath();
      }
      this.folder.setHealth({ ...h, attempts: h.attempts + 1 });
    }
    return this.pathOf(p.current);
  }

  /** What the app saw when it loaded the model `currentModelPath()` returned. */
  async reportLoad(r: LoadReport): Promise<void> {
    const p = this.folder.pointer();
    const h = this.folder.health(p.current);
    const ok = r.ok && r.canary?.ok !== false;
    const version = p.current.file === null ? this.o.bundledVersion ?? null : p.current.version;
    if (ok) {
      // Reported once per model (when it proves itself), not at every cold start of a fleet.
      if (!h.confirmed) {
        this.folder.setHealth({ ...h, confirmed: true, lastError: undefined });
        await this.report({ version, event: 'load-ok' });
      }
      return;
    }
    const reason = r.error ?? (r.canary ? `canary failed${r.canary.detail ? `: ${r.canary.detail}` : ''}` : 'load failed');
    this.folder.setHealth({ ...h, lastError: reason });
    await this.report({ version, event: 'load-failed', reason });
    if (!h.confirmed && h.attempts >= this.maxFailedLoads) await this.fallbackAndReport(p.current, reason);
  }

  /** One update check (serialized with other updaters on the same folder). */
  async checkForUpdate(options: CheckOptions = {}): Promise<UpdateResult> {
    this.folder.ensure();
    const lock = await acquireLock(this.folder.lockFile, { signal: options.signal, timeoutMs: this.o.lockTimeoutMs ?? 600_000, what: `update folder ${this.o.dir}` });
    const agents = keepAliveAgents();
    try {
      const onProgress = options.onProgress ?? (() => undefined);
      onProgress({ step: 'locked' });
      await this.outbox.flush();
      return await runUpdateCycle({
        folder: this.folder,
        repoUrl: String(this.o.repo).replace(/\/+$/, ''),
        trustedRoot: this.trustedRoot(),
        deviceId: this.o.deviceId,
        appVersion: this.appVersion,
        channel: this.channel,
        bundledModel: this.o.bundledModel,
        bundledVersion: this.o.bundledVersion,
        canDownload: this.o.canDownload ?? (() => true),
        http: { signal: options.signal, idleTimeoutMs: this.o.idleTimeoutMs ?? 30_000, deadlineMs: undefined, agents },
        report: (r) => this.report(r),
        onProgress,
      });
    } finally {
      destroyAgents(agents);
      lock.release();
    }
  }

  /** The device's state, read only (unlike currentModelPath, it counts no cold start). */
  status(): DeviceStatus {
    return deviceStatus(this.o.dir, this.o.bundledModel, this.o.bundledVersion);
  }

  private pathOf(ref: ModelRef): string {
    if (ref.file !== null) return this.folder.absolute(ref);
    if (!this.o.bundledModel) throw new Error(`no model is installed in ${this.o.dir} and no bundledModel was given`);
    return this.o.bundledModel;
  }

  /** Restores the previous model (else the bundled one) and blocks the failed release. */
  private fallback(failed: ModelRef, reason: string): void {
    const p = this.folder.pointer();
    const h = this.folder.health(failed);
    const blocked = { ...h.blocked };
    if (failed.version !== null && failed.file !== null) blocked[failed.version] = { reason, at: new Date().toISOString() };
    const back = p.previous && p.previous.version !== failed.version && this.folder.intact(p.previous) ? p.previous : BUNDLED;
    this.folder.setPointer({ current: back, changedAt: new Date().toISOString() });
    this.folder.setHealth({ version: back.version, sha256: back.sha256, confirmed: true, attempts: 0, lastError: reason, blocked });
  }

  private async fallbackAndReport(failed: ModelRef, reason: string): Promise<void> {
    this.fallback(failed, reason);
    await this.report({ version: failed.version, event: 'fallback', reason });
  }

  private async report(r: Pick<HealthReport, 'version' | 'event' | 'reason'>): Promise<void> {
    await this.outbox.send({ ...r, deviceId: this.o.deviceId, channel: this.channel, appVersion: this.appVersion, at: new Date().toISOString() });
  }

  private trustedRoot(): Uint8Array {
    return typeof this.o.trustedRoot === 'string' ? fs.readFileSync(this.o.trustedRoot) : this.o.trustedRoot;
  }
}
