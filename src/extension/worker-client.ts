/**
 * The extension's side of the worker: starts dist/worker.js on first use, sends typed requests,
 * and survives the worker dying (a model can crash native code): pending requests fail with a
 * message naming them, and the next request starts a fresh worker. No 'vscode' import, so the
 * unit tests drive it directly.
 */
import { fork, type ChildProcess } from 'node:child_process';
import {
  CancellationTokenSource, IPCMessageReader, IPCMessageWriter, ResponseError, createMessageConnection,
  type CancellationToken, type MessageConnection, type NotificationType, type RequestType,
} from 'vscode-jsonrpc/node';
import {
  CANCELLED_CODE, LayoutRequest, ModelSummaryRequest, ModelTextRequest, NodeDetailsRequest, OpenViewRequest,
  ProgressNotification, ValidateRecipeRequest, ViewGraphRequest, WorkerInfoRequest, type ProgressReport,
} from '../worker/protocol';

/**
 * Requests someone waits on to see a model or a recipe: each must answer within the time budget
 * (`requestBudgetMs`) or is stopped with an error naming its file. Jobs (quantize, benchmark,
 * train, ...) report progress and the user cancels them instead.
 */
const BUDGETED_REQUESTS: ReadonlySet<string> = new Set([
  WorkerInfoRequest.method, ModelSummaryRequest.method, ViewGraphRequest.method, OpenViewRequest.method,
  LayoutRequest.method, NodeDetailsRequest.method, ModelTextRequest.method, ValidateRecipeRequest.method,
]);

/** The default time budget of those requests. */
export const DEFAULT_REQUEST_BUDGET_MS = 60_000;

export interface WorkerClientOptions {
  /** Absolute path of dist/worker.js. */
  workerPath: string;
  /** The Node executable; defaults to this process's (Electron runs as Node with ELECTRON_RUN_AS_NODE). */
  execPath?: string;
  /** Extra Node flags, such as `--max-old-space-size=8192` for very large models (V8's tiering flags the worker sets itself: worker/boot.ts). */
  execArgv?: string[];
  /** Arguments of the worker itself, such as `--layout-cache=FILE` (src/worker/main.ts). */
  args?: string[];
  /** The worker's working folder, asked at each start: where its jobs record runs unless a `.edgewise` folder is nearer the model. */
  cwd?: () => string | undefined;
  /**
   * How long a cancelled request may keep the worker busy before the worker is restarted
   * (a handler stuck in synchronous work never reaches its next checkpoint). Default 1000 ms.
   */
  cancelDeadlineMs?: number;
  /** Time budget of the requests that show a model or a recipe (see BUDGETED_REQUESTS); 0 for none. */
  requestBudgetMs?: number;
  /** A line of the worker's stderr or of the client's own lifecycle. */
  log?: (line: string) => void;
  /** The worker died; `failed` describes the requests that were running. */
  onCrash?: (crash: WorkerCrash) => void;
}

export interface WorkerCrash {
  pid: number | undefined;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** One line per request that was running ('edgewise/viewGraph on /models/a.onnx'). */
  failed: string[];
}

export interface RequestOptions {
  token?: CancellationToken;
  onProgress?: (report: Omit<ProgressReport, 'token'>) => void;
  /** This request's time budget in ms (0: none), instead of the client's default for its kind. */
  budgetMs?: number;
}

/** The request ran while the worker died. */
export class WorkerCrashedError extends Error {
  constructor(readonly request: string, readonly crash: WorkerCrash) {
    super(`the Edgewise worker stopped (${describeExit(crash)}) while running ${request}`);
  }
}

/** The request did not answer within its time budget: it was cancelled (and the worker restarted if it did not let go). */
export class RequestTimedOutError extends Error {
  constructor(readonly request: string, readonly budgetMs: number) {
    super(`${request} did not answer within ${budgetMs / 1000} s and was stopped; a very large model may need `
      + 'a longer budget (setting edgewise.worker.requestTimeoutSeconds)');
  }
}

/** Another request's cancellation restarted the worker under this one; `request` retries it. */
class WorkerRestartedError extends Error {}

/** The caller cancelled the request. */
export class RequestCancelledError extends Error {
  constructor(readonly request: string) {
    super(`${request} was cancelled`);
  }
}

interface Running {
  fail: (e: Error) => void;
}

/** A running worker process and its connection. */
interface Session {
  proc: ChildProcess;
  startedAt: number;
  connection: MessageConnection;
  running: Map<number, { description: string } & Running>;
}

export class WorkerClient {
  private session?: Session;
  private nextId = 1;
  private disposed = false;
  private readonly progress = new Map<string, NonNullable<RequestOptions['onProgress']>>();
  /** Restarts so far (for the output channel and tests). */
  restarts = 0;

  constructor(private readonly options: WorkerClientOptions) {
    this.options = { ...options };
  }

  /**
   * Starts the worker now if it is not running, so it is ready (its layout thread warm) by the
   * time a request comes. Returns true when it started one.
   */
  start(): boolean {
    if (this.disposed || this.session) return false;
    this.ensureSession();
    return true;
  }

  /** When the running worker was started (epoch ms), if one is running. */
  get startedAt(): number | undefined {
    return this.session?.startedAt;
  }

  /** The pid of the running worker, if one is running. */
  get pid(): number | undefined {
    return this.session?.proc.pid;
  }

  request<P, R>(type: RequestType<P, R, void>, params: P, options: RequestOptions = {}): Promise<R> {
    // A request caught in a restart it did not cause runs again, once, on the new worker.
    return this.send(type, params, options).catch((e: unknown) => {
      if (e instanceof WorkerRestartedError) return this.send(type, params, options);
      throw e;
    });
  }

  private send<P, R>(type: RequestType<P, R, void>, params: P, options: RequestOptions): Promise<R> {
    if (this.disposed) return Promise.reject(new Error('the Edgewise worker client was disposed'));
    const description = describeRequest(type.method, params);
    if (options.token?.isCancellationRequested) return Promise.reject(new RequestCancelledError(description));
    const session = this.ensureSession();
    const id = this.nextId++;
    let sent = params;
    let progressToken: string | undefined;
    if (options.onProgress) {
      progressToken = `p${id}`;
      this.progress.set(progressToken, options.onProgress);
      sent = { ...(params as object), progressToken } as P;
    }
    const budgetMs = options.budgetMs ?? (BUDGETED_REQUESTS.has(type.method) ? this.options.requestBudgetMs ?? DEFAULT_REQUEST_BUDGET_MS : 0);
    return new Promise<R>((resolve, reject) => {
      const cancel = new CancellationTokenSource();
      let settled = false;
      let answered = false;
      const finish = (f: () => void) => {
        if (settled) return;
        settled = true;
        session.running.delete(id);
        if (progressToken) this.progress.delete(progressToken);
        cancelListener?.dispose();
        clearTimeout(budget);
        f();
      };
      // The caller hears at once (cancelled, or out of time); the worker stops at its next
      // checkpoint, or is restarted if it has not answered by the deadline.
      const stop = (e: Error) => {
        finish(() => reject(e));
        cancel.cancel();
        setTimeout(() => {
          if (!answered && this.session === session) this.restart(`${description} did not stop within ${this.cancelDeadlineMs} ms of being cancelled`);
        }, this.cancelDeadlineMs).unref?.();
      };
      session.running.set(id, { description, fail: (e) => finish(() => reject(e)) });
      const cancelListener = options.token?.onCancellationRequested(() => stop(new RequestCancelledError(description)));
      const budget = budgetMs > 0 ? setTimeout(() => stop(new RequestTimedOutError(description, budgetMs)), budgetMs) : undefined;
      const sending = sent === undefined
        ? session.connection.sendRequest<R>(type.method, cancel.token)
        : session.connection.sendRequest<R>(type.method, sent, cancel.token);
      sending.then(
        (result) => {
          answered = true;
          finish(() => resolve(result));
        },
        (e: unknown) => {
          answered = true;
          finish(() => reject(toError(e, description)));
        },
      ).finally(() => cancel.dispose());
    });
  }

  notify<P>(type: NotificationType<P>, params: P): void {
    if (!this.session) return; // nothing cached in a worker that is not running
    void this.session.connection.sendNotification(type.method, params).catch(() => undefined);
  }

  /** Changes how the worker starts; a running worker is stopped so the next request uses them. */
  configure(options: Pick<WorkerClientOptions, 'execPath' | 'execArgv' | 'requestBudgetMs'>): void {
    Object.assign(this.options, options);
    this.stop();
  }

  /** Stops the worker; the next request starts a new one. */
  stop(): void {
    this.end('was stopped', 'SIGTERM');
  }

  private get cancelDeadlineMs(): number {
    return this.options.cancelDeadlineMs ?? 1000;
  }

  /** Kills a worker that does not let go of a cancelled request; the next request starts a new one. */
  private restart(why: string): void {
    this.options.log?.(`restarting the worker: ${why}`);
    this.end(`was restarted because ${why},`, 'SIGKILL', true);
  }

  private end(what: string, signal: NodeJS.Signals, retry = false): void {
    const s = this.session;
    if (!s) return;
    this.session = undefined;
    for (const r of [...s.running.values()]) {
      const message = `the Edgewise worker ${what} while running ${r.description}`;
      r.fail(retry ? new WorkerRestartedError(message) : new Error(message));
    }
    s.connection.dispose();
    s.proc.kill(signal);
  }

  dispose(): void {
    this.disposed = true;
    this.stop();
  }

  private ensureSession(): Session {
    if (this.session) return this.session;
    const proc = fork(this.options.workerPath, this.options.args ?? [], {
      execPath: this.options.execPath ?? process.execPath,
      execArgv: this.options.execArgv ?? [],
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      cwd: this.options.cwd?.(),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // V8's serializer instead of JSON text: the open's packed graph (24 MB on a 200,000-node
      // model) crosses as one string copy, not escaped into a JSON envelope and parsed again here.
      serialization: 'advanced',
    });
    const connection = createMessageConnection(new IPCMessageReader(proc), new IPCMessageWriter(proc));
    const session: Session = { proc, startedAt: performance.timeOrigin + performance.now(), connection, running: new Map() };
    connection.onNotification(ProgressNotification.type, ({ token, ...report }) => this.progress.get(token)?.(report));
    // A dead worker shows up as an IPC write error too; 'exit' below is the one place that handles it.
    connection.onError(() => undefined);
    connection.listen();
    for (const stream of [proc.stdout, proc.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        for (const line of chunk.split('\n')) if (line.trim()) this.options.log?.(`[worker ${proc.pid}] ${line}`);
      });
    }
    proc.on('error', (e) => {
      this.options.log?.(`worker ${proc.pid ?? '(not started)'} error: ${e.message}`);
      // A worker that could not start never emits 'exit': fail its requests here.
      if (proc.pid === undefined && this.session === session) {
        this.session = undefined;
        const why = `could not start the Edgewise worker with ${this.options.execPath ?? process.execPath}: ${e.message}`;
        for (const r of [...session.running.values()]) r.fail(new Error(`${why} (for ${r.description})`));
        session.connection.dispose();
      }
    });
    proc.on('exit', (code, signal) => this.onExit(session, code, signal));
    this.session = session;
    this.options.log?.(`started the worker, pid ${proc.pid}`);
    return session;
  }

  private onExit(session: Session, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.session !== session) return; // stopped on purpose
    this.session = undefined;
    const crash: WorkerCrash = { pid: session.proc.pid, code, signal, failed: [...session.running.values()].map((r) => r.description) };
    this.options.log?.(`worker ${crash.pid} stopped (${describeExit(crash)})${crash.failed.length ? ` while running ${crash.failed.join(', ')}` : ''}`);
    for (const r of [...session.running.values()]) r.fail(new WorkerCrashedError(r.description, crash));
    session.connection.dispose();
    if (!this.disposed) {
      this.restarts++;
      this.options.onCrash?.(crash);
    }
  }
}

function describeRequest(method: string, params: unknown): string {
  const file = (params as { file?: unknown } | undefined)?.file;
  return typeof file === 'string' ? `${method} on ${file}` : method;
}

function describeExit(crash: Pick<WorkerCrash, 'code' | 'signal'>): string {
  return crash.signal ? `killed by ${crash.signal}` : `exit code ${crash.code}`;
}

function toError(e: unknown, description: string): Error {
  if (e instanceof ResponseError && e.code === CANCELLED_CODE) return new RequestCancelledError(description);
  if (e instanceof Error) return e;
  return new Error(String(e));
}
