/**
 * Where target names come from, besides the built-in ones: VS Code's settings (passed in), a
 * targets file (--target-file), the `targets:` of a recipe (read by src/core/recipe), and the user's own
 * list ($XDG_CONFIG_HOME/edgewise/targets.json, kept by `edgewise device add`: outside any
 * workspace, and holding paths to keys, never keys). An `ssh://` URL is a target by itself.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BUILTIN_TARGETS, checkTarget, findTarget, TARGETS_FILE_LIMIT, type Target } from '../targets';
import { InputFileError, readInputText } from '../../base/input-file';
import { parseSshUrl } from './ssh-url';

export function userTargetsFile(): string {
  return path.join(process.env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config'), 'edgewise', 'targets.json');
}

export function readUserTargets(file = userTargetsFile()): Target[] {
  if (!fs.existsSync(file)) return [];
  let data: unknown;
  try {
    data = JSON.parse(readInputText(file, { what: 'targets', limit: TARGETS_FILE_LIMIT }));
  } catch (e) {
    throw e instanceof InputFileError ? e : new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(data)) throw new Error(`${file}: expected a JSON array of targets`);
  return data.map((t, i) => checkTarget(t, `${file}: target ${i}`));
}

/** Adds or replaces `target` in the user's list (written atomically, private to the user). */
export function saveUserTarget(target: Target, file = userTargetsFile()): void {
  writeUserTargets([...readUserTargets(file).filter((t) => t.name !== target.name), checkTarget(target, file)], file);
}

export function removeUserTarget(name: string, file = userTargetsFile()): boolean {
  const all = readUserTargets(file);
  const rest = all.filter((t) => t.name !== name);
  if (rest.length !== all.length) writeUserTargets(rest, file);
  return rest.length !== all.length;
}

function writeUserTargets(targets: Target[], file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(targets, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/** The fleet a recipe names (see src/core/recipe/targets.ts). */
export interface RecipeTargets {
  file: string;
  /** The fleet, in the recipe's order. */
  names: string[];
  /** Those the recipe defines (an entry with no fields names a target defined elsewhere). */
  defined: Target[];
}

export interface TargetSources {
  /** From VS Code's settings (edgewise.targets, edgewise.benchmark.targets). */
  settings?: Target[];
  /** --target-file. */
  file?: Target[];
  /** The recipe next to the model. */
  recipe?: RecipeTargets;
  /** The user's list; default: read from userTargetsFile(). */
  user?: Target[];
}

/** Every defined target, the first definition of a name winning: settings, file, recipe, user, built-in. */
export function knownTargets(sources: TargetSources): Target[] {
  const all = [...(sources.settings ?? []), ...(sources.file ?? []), ...(sources.recipe?.defined ?? []), ...(sources.user ?? readUserTargets()), ...BUILTIN_TARGETS];
  const seen = new Set<string>();
  return all.filter((t) => (seen.has(t.name) ? false : (seen.add(t.name), true)));
}

/** A name or an ssh:// URL as a target; --identity / --known-hosts apply to URLs. */
export function resolveTarget(spec: string, known: Target[], ssh: { identity?: string; knownHosts?: string } = {}): Target {
  if (spec.startsWith('ssh://')) {
    parseSshUrl(spec);
    return { name: spec, description: spec, ssh: spec, identity: ssh.identity, knownHosts: ssh.knownHosts };
  }
  return findTarget(spec, known.filter((t) => !BUILTIN_TARGETS.includes(t)));
}
