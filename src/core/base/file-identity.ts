import * as fs from 'node:fs';
import * as path from 'node:path';

/** Who a path is on disk: its device and inode when it exists, else its real folder plus its name. */
export interface FileIdentity {
  /** The path as given, absolute. */
  file: string;
  /** With every link resolved (for a file not yet written: its folder's real path and its name). */
  real: string;
  dev?: number;
  ino?: number;
}

export function fileIdentity(file: string): FileIdentity {
  const abs = path.resolve(file);
  try {
    const st = fs.statSync(abs);
    return { file: abs, real: fs.realpathSync(abs), dev: st.dev, ino: st.ino };
  } catch {
    let real = abs;
    try {
      real = path.join(fs.realpathSync(path.dirname(abs)), path.basename(abs));
    } catch {
      // The folder is missing too: the path is all there is.
    }
    return { file: abs, real };
  }
}

/** True when two identities are the same file: same inode (hard links and links included), else same real path. */
export function sameFile(a: FileIdentity, b: FileIdentity): boolean {
  if (a.ino !== undefined && b.ino !== undefined) return a.dev === b.dev && a.ino === b.ino;
  return a.real === b.real;
}
