/** The client's side of protocol.ts: one method per request; server refusals become FederationErrors with its reason. */
import { CLIENT_HEADER, type JoinReply, type JoinRequest, type RoundInfo, type SharesReply, type SharesRequest, type UnmaskRequest } from '../protocol';
import { FederationError } from '../weights';

/** The server answered with an HTTP error: `status` and its reason. */
export class ServerRefusal extends FederationError {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export class ServerConnection {
  constructor(readonly url: string, private readonly token: string, readonly id: string, private readonly signal?: AbortSignal) {}

  /** The current round; with `after` ("round.phase" last seen), waits on the server for a change. */
  async round(after?: string): Promise<RoundInfo> {
    return (await this.json('GET', `/v1/round${after ? `?after=${encodeURIComponent(after)}` : ''}`)) as RoundInfo;
  }

  async join(req: JoinRequest): Promise<JoinReply> {
    return (await this.json('POST', '/v1/join', req)) as JoinReply;
  }

  async model(round: number): Promise<Uint8Array> {
    const res = await this.request('GET', `/v1/model?round=${round}`);
    return new Uint8Array(await res.arrayBuffer());
  }

  async upload(delta: Uint8Array): Promise<void> {
    await this.request('POST', '/v1/delta', delta, 'application/octet-stream');
  }

  async shares(req: SharesRequest): Promise<void> {
    await this.json('POST', '/v1/shares', req);
  }

  async inbox(round: number): Promise<SharesReply> {
    return (await this.json('GET', `/v1/shares?round=${round}`)) as SharesReply;
  }

  async unmask(req: UnmaskRequest): Promise<void> {
    await this.json('POST', '/v1/unmask', req);
  }

  private async json(method: string, route: string, body?: unknown): Promise<unknown> {
    const res = await this.request(method, route, body === undefined ? undefined : Buffer.from(JSON.stringify(body)), 'application/json');
    return res.json();
  }

  private async request(method: string, route: string, body?: Uint8Array, type?: string): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(this.url + route, {
        method, body: body as BodyInit | undefined, signal: this.signal,
        headers: { authorization: `Bearer ${this.token}`, [CLIENT_HEADER]: this.id, ...(type ? { 'content-type': type } : {}) },
      });
    } catch (e) {
      if (this.signal?.aborted) throw e;
      throw new FederationError(`${this.url}: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}`);
    }
    if (!res.ok) {
      const text = await res.text();
      let why = text;
      try { why = (JSON.parse(text) as { error?: string }).error ?? text; } catch { /* not JSON */ }
      throw new ServerRefusal(res.status, `${method} ${route}: ${res.status} ${why}`);
    }
    return res;
  }
}
