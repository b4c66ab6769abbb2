import type { CliIo } from '../command';

/** What every demo step gets: the sample model and a folder for what it writes. */
export interface DemoContext {
  /** The bundled sample model (a Fashion-MNIST CNN). */
  model: string;
  /** A scratch folder for outputs; removed afterwards unless --out named it. */
  workDir: string;
  io: CliIo;
}

export interface DemoStep {
  title: string;
  run(ctx: DemoContext): Promise<void>;
}
