import {
  CancellationToken, ResponseError, type GenericRequestHandler, type MessageConnection, type NotificationType, type RequestType,
} from 'vscode-jsonrpc';
import { CancelledError } from '../core/base/cancel';
import { errorMessage } from '../core/base/error-text';
import { CANCELLED_CODE, ProgressNotification, type ProgressParams, type ProgressReport } from './protocol';

/** What a request handler gets besides its params. */
export interface HandlerContext {
  readonly token: CancellationToken;
  /** Reports progress to the client (a no-op when the client did not ask for it). */
  progress(message: string, fraction?: number, extra?: Pick<ProgressReport, 'train' | 'round'>): void;
  /**
   * Lets pending messages (a cancellation) arrive, then throws CancelledError (core/base/cancel.ts,
   * the one the jobs throw too) if the request was cancelled; the client sees a cancelled request.
   * Long handlers call it between steps: cancellation is honoured at the next checkpoint.
   */
  checkpoint(): Promise<void>;
}

export type Handler<P, R> = (params: P, ctx: HandlerContext) => R | Promise<R>;

/** The worker's side of the connection: typed handler registration with errors made readable. */
export class WorkerServer {
  private readonly handlers = new Map<string, (...args: unknown[]) => unknown>();

  /** `log` receives the stack of every failed request (the worker sends it to stderr). */
  constructor(readonly connection: MessageConnection, private readonly log: (line: string) => void = () => undefined) {}

  on<P, R>(type: RequestType<P, R, void>, handler: Handler<P, R>): void {
    const handle = async (params: P, token: CancellationToken): Promise<R | ResponseError<void>> => {
      const progressToken = (params as ProgressParams | undefined)?.progressToken;
      const ctx: HandlerContext = {
        token,
        progress: (message, fraction, extra) => {
          if (progressToken) void this.connection.sendNotification(ProgressNotification.type, { token: progressToken, message, fraction, ...extra });
        },
        checkpoint: async () => {
          await new Promise<void>((resolve) => setImmediate(resolve));
          if (token.isCancellationRequested) throw new CancelledError();
        },
      };
      try {
        if (token.isCancellationRequested) throw new CancelledError();
        return await handler(params, ctx);
      } catch (e) {
        if (e instanceof CancelledError || token.isCancellationRequested) return new ResponseError<void>(CANCELLED_CODE, `${type.method} was cancelled`);
        const err = e instanceof Error ? e : new Error(String(e));
        this.log(`${type.method} failed: ${err.stack ?? err.message}`);
        return new ResponseError<void>(-32603, errorMessage(err));
      }
    };
    // Registered by method name (the typed overload cannot check a generic R): the token comes
    // last, after the params when there are any.
    const generic = (...args: unknown[]) => handle((args.length > 1 ? args[0] : undefined) as P, args[args.length - 1] as CancellationToken);
    this.handlers.set(type.method, generic);
    this.connection.onRequest(type.method, generic as GenericRequestHandler<unknown, void>);
  }

  /**
   * `load` registers more handlers; it runs on the first request that no registered handler
   * takes, which is then answered by the handler it registered (or fails as unknown).
   */
  onFirstUnhandled(load: () => void): void {
    let loaded = false;
    this.connection.onRequest((method, params, token) => {
      if (!loaded) {
        loaded = true;
        load();
      }
      const handler = this.handlers.get(method);
      if (!handler) return new ResponseError<void>(-32601, `the Edgewise worker has no request '${method}'`);
      // As vscode-jsonrpc calls a handler: params by position are spread, by name passed whole.
      return handler(...(params === undefined ? [] : Array.isArray(params) ? params : [params]), token);
    });
  }

  onNotification<P>(type: NotificationType<P>, handler: (params: P) => void): void {
    this.connection.onNotification(type, handler);
  }
}
