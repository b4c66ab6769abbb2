import * as path from 'node:path';
import { knownTargets, readUserTargets, userTargetsFile } from '../core/runtime/devices/catalog';
import { BUILTIN_TARGETS } from '../core/runtime/targets';
import { recipeTargets } from '../core/recipe/targets';
import type { TargetListEntry, TargetListParams } from './protocol';

/** Every target Edgewise knows, with where each is defined and how it is reached. */
export function listTargets(params: TargetListParams): TargetListEntry[] {
  const user = readUserTargets();
  const recipe = params.folder ? recipeTargets(params.folder) : undefined;
  return knownTargets({ settings: params.settings, recipe, user }).map((target): TargetListEntry => ({
    target,
    definedIn: BUILTIN_TARGETS.includes(target) ? 'built in' : params.settings.includes(target) ? 'settings'
      : recipe?.defined.includes(target) ? path.basename(recipe.file) : userTargetsFile(),
    kind: target.ssh ? 'ssh' : target.runtime === 'qemu-arm64' ? 'emulated' : 'local',
  }));
}
