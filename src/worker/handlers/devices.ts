import * as path from 'node:path';
import { DEFAULT_JOB } from '../../core/runtime/benchmark';
import { knownTargets, readUserTargets, userTargetsFile } from '../../core/runtime/devices/catalog';
import { runFleet } from '../../core/runtime/devices/fleet';
import { openDevice } from '../../core/runtime/devices/open';
import { deviceFacts, setupDevice } from '../../core/runtime/devices/setup';
import { hostKeyStatus, trustHostKey } from '../../core/runtime/devices/trust';
import { PHASE_TEXT } from '../../core/runtime/phases';
import { BUILTIN_TARGETS, type Target } from '../../core/runtime/targets';
import { BenchmarkError } from '../../core/runtime/types';
import { recipeTargets } from '../../core/recipe/targets';
import {
  DeviceHostKeyRequest, DeviceInfoRequest, DeviceSetupRequest, DeviceTrustRequest, FleetBenchmarkRequest, TargetListRequest,
  type TargetListEntry,
} from '../protocol';
import { CancelledError, type HandlerContext } from '../server';
import type { WorkerServices } from '../services';

/** The request's cancellation as an AbortSignal, for the work it runs. */
async function withSignal<T>(ctx: HandlerContext, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const sub = ctx.token.onCancellationRequested(() => controller.abort());
  try {
    return await work(controller.signal);
  } catch (e) {
    if ((e instanceof BenchmarkError && e.kind === 'cancelled') || controller.signal.aborted) throw new CancelledError();
    throw e;
  } finally {
    sub.dispose();
  }
}

function device(target: Target) {
  const d = openDevice(target);
  if (!d) throw new Error(`${target.name} runs on this machine: it has nothing to set up`);
  return d;
}

/** Devices: the fleet benchmark, the target list, setup, facts and host keys. */
export function registerDeviceHandlers({ server }: WorkerServices): void {
  server.on(FleetBenchmarkRequest.type, (params, ctx) => withSignal(ctx, (signal) => runFleet(params.targets, {
    ...DEFAULT_JOB, model: params.file, runs: params.runs ?? DEFAULT_JOB.runs, warmup: params.warmup ?? DEFAULT_JOB.warmup,
    energy: {}, outputCheck: params.check,
  }, (t) => params.threads ?? [t.threads ?? 1], {
    signal,
    onProgress: (name, i, p) => {
      const within = p.total && p.phase === 'runs' ? (p.done ?? 0) / p.total : 0;
      ctx.progress(`${name}: ${PHASE_TEXT[p.phase]}${p.total && p.phase !== 'upload' ? ` ${p.done}/${p.total}` : ''}`, (i + within) / params.targets.length);
    },
  })));

  server.on(TargetListRequest.type, (params) => {
    const user = readUserTargets();
    const recipe = params.folder ? recipeTargets(params.folder) : undefined;
    const all = knownTargets({ settings: params.settings, recipe, user });
    return all.map((target): TargetListEntry => ({
      target,
      definedIn: BUILTIN_TARGETS.includes(target) ? 'built in' : params.settings.includes(target) ? 'settings'
        : recipe?.defined.includes(target) ? path.basename(recipe.file) : userTargetsFile(),
      kind: target.ssh ? 'ssh' : target.runtime === 'qemu-arm64' ? 'emulated' : 'local',
    }));
  });

  server.on(DeviceSetupRequest.type, (params, ctx) => withSignal(ctx, async (signal) => {
    const d = device(params.target);
    try {
      return await setupDevice(d, { signal, onProgress: (t) => ctx.progress(t) });
    } finally {
      d.close();
    }
  }));

  server.on(DeviceInfoRequest.type, (params, ctx) => withSignal(ctx, async (signal) => {
    const d = device(params.target);
    try {
      return await deviceFacts(d, signal);
    } finally {
      d.close();
    }
  }));

  server.on(DeviceHostKeyRequest.type, (params) => hostKeyStatus(params.target));
  server.on(DeviceTrustRequest.type, (params) => trustHostKey(params.target, { expectFingerprint: params.fingerprint, replace: params.replace }));
}
