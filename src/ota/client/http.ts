/**
 * The device's HTTP GET (and the POST of health reports), on node:http so the client controls
 * what a hostile or broken server can do to it: a response that stops sending is cut after an
 * idle timeout, a slow one after a deadline, and every body byte is counted.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as zlib from 'node:zlib';

/** Requests made and response body bytes received. */
export interface Traffic {
  requests: number;
  bytes: number;
}

export interface GetOptions {
  signal?: AbortSignal;
  /** Fail when no byte arrives for this long. */
  idleTimeoutMs: number;
  /** Fail when the whole exchange takes longer than this. */
  deadlineMs?: number;
  headers?: Record<string, string>;
  agents?: Agents;
}

export interface Agents {
  http: http.Agent;
  https: https.Agent;
}

/** Keep-alive agents for the requests of one check; destroy them when it ends. */
export function keepAliveAgents(): Agents {
  return { http: new http.Agent({ keepAlive: true, maxSockets: 2 }), https: new https.Agent({ keepAlive: true, maxSockets: 2 }) };
}

export function destroyAgents(a: Agents): void {
  a.http.destroy();
  a.https.destroy();
}

export class HttpError extends Error {
  constructor(message: string, readonly status?: number, readonly tooLong = false) {
    super(message);
  }
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The body in chunks, counted into the traffic as they arrive. */
  body: AsyncIterable<Buffer>;
  /** Stop receiving (the rest of the body is not read). */
  abort(): void;
}

const MAX_REDIRECTS = 3;

export async function httpGet(url: string, traffic: Traffic, options: GetOptions): Promise<HttpResponse> {
  let target = url;
  for (let hop = 0; ; hop++) {
    const res = await request(target, traffic, options);
    const location = res.headers.location;
    if ([301, 302, 303, 307, 308].includes(res.status) && location && hop < MAX_REDIRECTS) {
      res.abort();
      target = new URL(location, target).toString();
      continue;
    }
    return res;
  }
}

function request(url: string, traffic: Traffic, options: GetOptions): Promise<HttpResponse> {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : u.protocol === 'http:' ? http : undefined;
  if (!mod) return Promise.reject(new HttpError(`${url}: only http and https are supported`));
  return new Promise((resolve, reject) => {
    traffic.requests++;
    const req = mod.request(u, {
      method: 'GET',
      headers: { 'accept-encoding': 'identity', ...options.headers },
      agent: options.agents ? (u.protocol === 'https:' ? options.agents.https : options.agents.http) : undefined,
      signal: options.signal,
    });
    let response: http.IncomingMessage | undefined;
    // A timeout ends the response with its own error (not the socket's generic 'aborted').
    const cut = (message: string) => {
      const e = new HttpError(`${url}: ${message}`);
      response?.destroy(e);
      req.destroy(e);
    };
    const deadline = options.deadlineMs === undefined ? undefined : setTimeout(() => cut(`no complete response within ${options.deadlineMs} ms`), options.deadlineMs);
    const clear = () => { if (deadline) clearTimeout(deadline); };
    req.setTimeout(options.idleTimeoutMs, () => cut(`nothing received for ${options.idleTimeoutMs} ms`));
    req.on('error', (e) => {
      clear();
      reject(e);
    });
    req.on('response', (res) => {
      response = res;
      res.on('end', clear);
      res.on('close', clear);
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        body: counted(res, traffic),
        abort: () => {
          clear();
          res.destroy();
          req.destroy();
        },
      });
    });
    req.end();
  });
}

async function* counted(res: http.IncomingMessage, traffic: Traffic): AsyncGenerator<Buffer> {
  for await (const chunk of res) {
    traffic.bytes += (chunk as Buffer).length;
    yield chunk as Buffer;
  }
}

/**
 * Small bodies (TUF metadata) may travel compressed: JSON of hashes and signatures shrinks about
 * 2-4x, which is most of what an up-to-date device transfers. Model downloads stay identity
 * (byte ranges of the file itself).
 */
const ACCEPT_COMPRESSED = 'gzip, br';
/** A compressed body of incompressible bytes is slightly longer than the bytes. */
const COMPRESSION_SLACK = 1024;

/**
 * GET a small body whole, decompressed, failing past `maxBytes` (endless responses and
 * decompression bombs alike) or on a non-200 status.
 */
export async function httpGetBytes(url: string, maxBytes: number, traffic: Traffic, options: GetOptions): Promise<Buffer> {
  const res = await httpGet(url, traffic, { ...options, headers: { 'accept-encoding': ACCEPT_COMPRESSED, ...options.headers } });
  if (res.status !== 200) {
    res.abort();
    throw new HttpError(`${url}: HTTP ${res.status}`, res.status);
  }
  const encoding = String(res.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  const limit = encoding === 'identity' ? maxBytes : maxBytes + COMPRESSION_SLACK;
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const c of res.body) {
      n += c.length;
      if (n > limit) throw tooLong(url, maxBytes);
      chunks.push(c);
    }
  } catch (e) {
    res.abort(); // a body read to its end leaves the connection to the keep-alive pool
    throw e;
  }
  return decompress(url, encoding, Buffer.concat(chunks), maxBytes);
}

function decompress(url: string, encoding: string, body: Buffer, maxBytes: number): Buffer {
  if (encoding === 'identity') return body;
  const inflate = encoding === 'gzip' ? zlib.gunzipSync : encoding === 'br' ? zlib.brotliDecompressSync : undefined;
  if (!inflate) throw new HttpError(`${url}: unsupported content-encoding '${encoding}'`);
  try {
    return inflate(body, { maxOutputLength: Math.max(1, maxBytes) });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLong(url, maxBytes);
    throw new HttpError(`${url}: the ${encoding} body does not decompress: ${(e as Error).message}`);
  }
}

function tooLong(url: string, maxBytes: number): HttpError {
  return new HttpError(`${url}: response exceeds ${maxBytes} bytes`, undefined, true);
}

/** POST a JSON body; resolves to the status. For health reports: short, best effort. */
export function httpPostJson(url: string, body: unknown, timeoutMs: number): Promise<number> {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : http;
  const data = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = mod.request(u, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': data.length } });
    const t = setTimeout(() => req.destroy(new HttpError(`${url}: no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => {
        clearTimeout(t);
        resolve(res.statusCode ?? 0);
      });
    });
    req.end(data);
  });
}
