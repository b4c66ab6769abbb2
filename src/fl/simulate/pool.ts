/** A bounded set of client child processes for `fl simulate` (fl-client-child.ts), killed on abort or when done. */
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { Preprocess } from '../../core/runtime/data';
import type { ClientRound } from '../client/participant';
import { FederationError } from '../weights';

export interface ChildTraining {
  localEpochs: number;
  batchSize: number;
  lr: number;
  optimizer: 'sgd' | 'adam';
  encoding: 'float32' | 'int8';
  threads?: number;
  preprocess?: Preprocess;
}

/** One round's work for one child: these clients take part in `round`. */
export interface ChildTask {
  server: string;
  token: string;
  round: number;
  clients: { id: string; data: string; labels: string; seed: number }[];
  training: ChildTraining;
}

export type ChildReply = { kind: 'done'; rounds: ClientRound[] } | { kind: 'error'; message: string };

function childScript(): string {
  for (const name of ['fl-client-child.js', 'fl-client-child.ts']) {
    const file = path.join(__dirname, name);
    if (fs.existsSync(file)) return file;
  }
  throw new FederationError(`cannot find the simulation's client child script next to ${__dirname} (run npm run build)`);
}

export class ClientPool {
  private readonly children: ChildProcess[];

  constructor(size: number, private readonly log: (line: string) => void) {
    const script = childScript();
    // Under tsx (tests) the child is the .ts source and needs tsx's loader too.
    const execArgv = script.endsWith('.ts') ? ['--require', createRequire(__filename).resolve('tsx/cjs')] : [];
    this.children = Array.from({ length: size }, () => fork(script, [], { execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] }));
    for (const c of this.children) c.stderr!.on('data', (d: Buffer) => this.log(`client process: ${d.toString().trim()}`));
  }

  get size(): number {
    return this.children.length;
  }

  /** Runs the tasks, one per child (tasks.length <= size), and collects the clients' reports. */
  async run(tasks: ChildTask[]): Promise<ClientRound[]> {
    const replies = await Promise.all(tasks.map((t, k) => this.ask(this.children[k], t)));
    return replies.flat();
  }

  close(): void {
    for (const c of this.children) if (c.exitCode === null) c.kill('SIGKILL');
  }

  private ask(child: ChildProcess, task: ChildTask): Promise<ClientRound[]> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null, signal: string | null) => reject(new FederationError(`a client process ended (${signal ?? `exit ${code}`}) during round ${task.round}`));
      child.once('exit', onExit);
      child.once('message', (m: ChildReply) => {
        child.off('exit', onExit);
        if (m.kind === 'done') resolve(m.rounds);
        else reject(new FederationError(`round ${task.round}: a simulated client failed: ${m.message}`));
      });
      child.send(task);
    });
  }
}
