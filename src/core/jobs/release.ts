/**
 * Release jobs (the job contract: jobs/job.ts): create a signed release repository, publish a
 * model to a channel, promote / pause / roll back a release, re-sign expiring metadata, report
 * status with device health. The repository work is src/ota/publisher's; these resolve the keys,
 * fill defaults and turn an abort into CancelledError, so the CLI, the worker and the extension
 * act alike.
 */
import { changeRelease, type ChannelAction, type ChannelChangeResult } from '../../ota/publisher/channel';
import { initRepository, type InitResult } from '../../ota/publisher/init';
import { keySourceFor } from '../../ota/publisher/keys';
import { publishRelease, type PublishResult } from '../../ota/publisher/publish';
import { refreshRepository, type RefreshResult } from '../../ota/publisher/refresh';
import { loadHealth, repositoryStatus, type RepositoryStatus } from '../../ota/publisher/status';
import { CancelledError, checkOutputFolder, throwIfCancelled, type JobHooks } from './job';

/** Where the signing keys are: a key folder; default: the one `release init` chose (EDGEWISE_KEY_<ROLE> variables win). */
export interface KeyOptions {
  keys?: string;
}

export interface ReleaseInitJobOptions extends JobHooks, KeyOptions {
  /** Root keys to create and how many must sign a new root (default 1 of 1). */
  rootKeys?: number;
  rootThreshold?: number;
  /** Folders the key folder must stay out of besides the repository (the open workspace). */
  keysOutside?: string[];
}

export async function runReleaseInitJob(repo: string, o: ReleaseInitJobOptions = {}): Promise<InitResult> {
  throwIfCancelled(o.signal);
  checkOutputFolder(repo, { create: true });
  if (o.keys) checkOutputFolder(o.keys, { create: true });
  return initRepository(repo, { keysDir: o.keys, rootKeys: o.rootKeys, rootThreshold: o.rootThreshold, keysOutside: o.keysOutside });
}

export interface ReleasePublishJobOptions extends JobHooks, KeyOptions {
  repo: string;
  channel: string;
  version: string;
  /** Whole percent of the channel's devices that take it at first (default 100). */
  rollout?: number;
  minAppVersion?: string;
  notes?: string;
  /** Also publish a tensor-level patch from this earlier release of the channel. */
  deltaFrom?: string;
}

export async function runReleasePublishJob(model: string, o: ReleasePublishJobOptions): Promise<PublishResult> {
  checkOutputFolder(o.repo, { create: true });
  return cancellable(o.signal, () => publishRelease(o.repo, keySourceFor(o.repo, o.keys), {
    model, channel: o.channel, version: o.version, rollout: o.rollout ?? 100, minAppVersion: o.minAppVersion,
    notes: o.notes, deltaFrom: o.deltaFrom, signal: o.signal, onProgress: (m) => o.progress?.(m),
  }));
}

export interface ReleaseChangeJobOptions extends JobHooks, KeyOptions {
  action: ChannelAction;
  channel: string;
  /** Default for pause and rollback: the channel's newest release in play (promote and retire need it). */
  version?: string;
  /** Promote: the new rollout percentage. */
  rollout?: number;
}

export async function runReleaseChangeJob(repo: string, o: ReleaseChangeJobOptions): Promise<ChannelChangeResult> {
  return cancellable(o.signal, () => changeRelease(repo, keySourceFor(repo, o.keys), o.action, { channel: o.channel, version: o.version, rollout: o.rollout, signal: o.signal }));
}

export type ReleaseRefreshJobOptions = JobHooks & KeyOptions;

export async function runReleaseRefreshJob(repo: string, o: ReleaseRefreshJobOptions = {}): Promise<RefreshResult> {
  return cancellable(o.signal, () => refreshRepository(repo, keySourceFor(repo, o.keys), { signal: o.signal }));
}

export interface ReleaseStatusJobOptions extends JobHooks {
  channel?: string;
  /** Device health reports: a JSON-lines file or a health collector's URL. */
  health?: string;
}

export async function runReleaseStatusJob(repo: string, o: ReleaseStatusJobOptions = {}): Promise<RepositoryStatus> {
  return cancellable(o.signal, async () => {
    const health = o.health ? await loadHealth(o.health, o.signal) : undefined;
    return repositoryStatus(repo, { channel: o.channel, health, healthSource: o.health });
  });
}

/** Runs `work`; if the signal was aborted meanwhile, whatever it threw becomes CancelledError. */
export async function cancellable<T>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
  throwIfCancelled(signal);
  try {
    return await work();
  } catch (e) {
    if (signal?.aborted && !(e instanceof CancelledError)) throw new CancelledError();
    throw e;
  }
}
