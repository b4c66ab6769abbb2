import * as fs from 'node:fs';
import * as path from 'node:path';

/** A file written under a temporary name beside its destination, renamed into place on commit. */
export class AtomicFile {
  readonly tmp: string;
  private fd: number | undefined;

  constructor(readonly file: string) {
    this.tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now().toString(36)}.tmp`);
    this.fd = fs.openSync(this.tmp, 'wx');
  }

  write(chunk: Uint8Array): void {
    let written = 0;
    while (written < chunk.length) written += fs.writeSync(this.fd!, chunk, written, Math.min(chunk.length - written, 1 << 30));
  }

  commit(): void {
    fs.fsyncSync(this.fd!);
    fs.closeSync(this.fd!);
    this.fd = undefined;
    fs.renameSync(this.tmp, this.file);
  }

  abort(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
    fs.rmSync(this.tmp, { force: true });
  }
}

/** Writes chunks to a temporary file beside `file`, fsyncs, and renames it into place. */
export function atomicWrite(file: string, chunks: Uint8Array[]): void {
  const f = new AtomicFile(file);
  try {
    for (const c of chunks) f.write(c);
    f.commit();
  } catch (e) {
    f.abort();
    throw e;
  }
}
