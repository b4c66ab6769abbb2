import type { ModelReader } from '../core/formats/format';
import { modelRoot, modelStamp, openModel } from '../core/formats/open';

interface Entry {
  reader: ModelReader;
  /** The model's stamp when opened (formats/open.ts): a changed file or folder is opened again. */
  stamp: string;
}

/** Opened model readers by file, reopened when the file changes, least recently used dropped first. */
export class ModelCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly capacity = 4, private readonly open: (file: string) => ModelReader = openModel) {}

  get(file: string): ModelReader {
    const abs = modelRoot(file);
    const stamp = modelStamp(abs);
    const hit = this.entries.get(abs);
    this.entries.delete(abs);
    if (hit && hit.stamp === stamp) {
      this.entries.set(abs, hit);
      return hit.reader;
    }
    const reader = this.open(abs);
    this.entries.set(abs, { reader, stamp });
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    return reader;
  }

  forget(file: string): void {
    this.entries.delete(modelRoot(file));
  }

  files(): string[] {
    return [...this.entries.keys()];
  }
}
