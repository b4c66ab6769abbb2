/** The server's HTTP surface (protocol.ts): authentication, size limits, and one log line per refusal. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type * as http from 'node:http';
import { CLIENT_HEADER, type JoinRequest, type SharesRequest, type UnmaskRequest } from '../protocol';
import { FederationError } from '../weights';
import type { RoundInfo } from '../protocol';
import { RoundRejection, type Round } from './round';
import { formatNumber } from '../../core/base/units';

/** What the HTTP layer needs of the server (server.ts implements it). */
export interface FederationHost {
  options: { token: string; log: (line: string) => void };
  current(): Round;
  info(): RoundInfo;
  modelBytes(): Buffer;
  waitForChange(seen: string, ms: number): Promise<void>;
  joined(): void;
  uploaded(bytes: number): void;
  shared(): void;
  unmasked(all: boolean): void;
}

const MAX_JSON = 64 * 1024;
/** Share bundles: about 0.5 KiB of base64 per peer, up to 4 KiB each (round.ts checks). */
const MAX_SHARES = 4 * 1024 * 1024;
const LONG_POLL_MS = 25_000;

export function handleRequest(s: FederationHost, req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://server');
  const reply = (status: number, body: unknown) => {
    if (res.headersSent) return;
    res.writeHead(status, { 'content-type': 'application/json', connection: status >= 400 ? 'close' : 'keep-alive' });
    res.end(JSON.stringify(body));
  };
  const id = String(req.headers[CLIENT_HEADER] ?? '');
  const refuse = (status: number, why: string) => {
    s.options.log(`round ${s.current().config.round}: refused ${req.method} ${url.pathname} from ${id || 'an unnamed client'}: ${why}`);
    reply(status, { error: why });
    // An oversized or refused upload is not read further.
    if (status === 413 || req.readableLength || !req.complete) req.resume();
  };
  if (!authorized(req.headers.authorization, s.options.token)) return refuse(401, 'missing or wrong token');
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(id)) return refuse(400, `the ${CLIENT_HEADER} header must be 1-64 letters, digits, '.', '_' or '-'`);
  const route = `${req.method} ${url.pathname}`;
  const guard = (work: () => void) => {
    try {
      work();
    } catch (e) {
      if (e instanceof RoundRejection) return refuse(e.status, e.message);
      if (e instanceof FederationError) return refuse(400, e.message);
      s.options.log(`internal error on ${route}: ${(e as Error).stack ?? e}`);
      reply(500, { error: 'internal error' });
    }
  };

  if (route === 'GET /v1/round') {
    const after = url.searchParams.get('after');
    if (!after) return reply(200, s.info());
    void s.waitForChange(after, LONG_POLL_MS).then(() => reply(200, s.info()));
    return;
  }
  if (route === 'GET /v1/model') {
    const r = Number(url.searchParams.get('round'));
    if (r !== s.current().config.round || s.info().phase === 'done') return refuse(409, `asked for the model of round ${url.searchParams.get('round')}; the current round is ${s.info().round}`);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': s.modelBytes().length });
    res.end(s.modelBytes());
    return;
  }
  if (route === 'POST /v1/join') return readBody(req, MAX_JSON, (body, err) => err ? refuse(err.status, err.message) : guard(() => {
    const j = parseJson<JoinRequest>(body);
    const seat = s.current().join(id, j);
    s.options.log(`round ${j.round}: ${id} joined (seat ${seat.seat + 1} of ${s.current().config.clientsPerRound})`);
    reply(200, seat);
    s.joined();
  }));
  if (route === 'POST /v1/delta') {
    const max = s.current().maxUpload;
    return readBody(req, max, (body, err) => err ? refuse(err.status, err.message) : guard(() => {
      const round = s.current();
      const r = round.accept(id, body);
      s.options.log(`round ${round.config.round}: accepted ${body.length}-byte delta from ${id} (${r.samples} samples${r.norm !== undefined ? `, norm ${formatNumber(r.norm)}${r.clipped ? ', clipped' : ''}` : ', masked'}; ${round.uploads} of ${round.config.clientsPerRound})`);
      reply(200, { accepted: true });
      s.uploaded(body.length);
    }));
  }
  const sameRound = (r: number, what: string) => {
    if (r !== s.current().config.round) throw new RoundRejection(409, `${what} for round ${r}; the current round is ${s.current().config.round}`);
  };
  if (route === 'POST /v1/shares') return readBody(req, MAX_SHARES, (body, err) => err ? refuse(err.status, err.message) : guard(() => {
    const q = parseJson<SharesRequest>(body);
    sameRound(q.round, 'share bundles');
    const all = s.current().shares(id, q);
    s.options.log(`round ${q.round}: ${id} sent its share bundles${all ? '; every seat has: uploads open' : ''}`);
    reply(200, { accepted: true });
    s.shared();
  }));
  if (route === 'GET /v1/shares') return guard(() => {
    const r = Number(url.searchParams.get('round'));
    sameRound(r, 'share bundles asked');
    reply(200, { round: r, from: s.current().inbox(id) });
  });
  if (route === 'POST /v1/unmask') return readBody(req, MAX_JSON, (body, err) => err ? refuse(err.status, err.message) : guard(() => {
    const u = parseJson<UnmaskRequest>(body);
    sameRound(u.round, 'shares');
    const all = s.current().unmask(id, u);
    s.options.log(`round ${u.round}: ${id} sent its shares to open the sum`);
    reply(200, { accepted: true });
    s.unmasked(all);
  }));
  refuse(404, `no such endpoint: ${route}`);
}

function authorized(header: string | undefined, token: string): boolean {
  const given = /^Bearer (.+)$/.exec(header ?? '')?.[1] ?? '';
  const h = (x: string) => createHash('sha256').update(x).digest();
  return timingSafeEqual(h(given), h(token));
}

function parseJson<T>(body: Buffer): T {
  try {
    const v = JSON.parse(body.toString('utf8'));
    if (v && typeof v === 'object') return v as T;
  } catch {
    // fall through
  }
  throw new RoundRejection(400, 'the body is not a JSON object');
}

/** Reads a body of at most `max` bytes: refused up front by Content-Length, or as soon as it grows past. */
function readBody(req: http.IncomingMessage, max: number, done: (body: Buffer, err?: { status: number; message: string }) => void): void {
  const declared = Number(req.headers['content-length']);
  if (declared > max) return done(Buffer.alloc(0), { status: 413, message: `upload of ${declared} bytes is over the ${max}-byte limit for this round's delta` });
  // One buffer of the declared size, filled as chunks arrive (no list of chunks and second copy).
  let body = Buffer.allocUnsafe(Number.isInteger(declared) && declared >= 0 ? declared : 0);
  let size = 0;
  let over = false;
  req.on('data', (c: Buffer) => {
    if (over) return;
    if (size + c.length > max) {
      over = true;
      return done(Buffer.alloc(0), { status: 413, message: `upload grew past the ${max}-byte limit for this round's delta` });
    }
    if (size + c.length > body.length) body = Buffer.concat([body.subarray(0, size), c], size + c.length);
    else c.copy(body, size);
    size += c.length;
  });
  req.on('end', () => { if (!over) done(body.subarray(0, size)); });
  req.on('error', () => {});
}
