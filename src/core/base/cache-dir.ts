import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Edgewise's cache folder, outside every workspace: $EDGEWISE_CACHE_DIR, else
 * $XDG_CACHE_HOME/edgewise, else ~/.cache/edgewise. What is in it can always be rebuilt.
 */
export function cacheDir(): string {
  return process.env.EDGEWISE_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'edgewise');
}
