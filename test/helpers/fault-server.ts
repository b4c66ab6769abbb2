/**
 * A static file server on loopback that misbehaves on request: it serves a repository folder
 * (with Range support, like nginx) and, for the paths a test names, drops the connection at a
 * byte, sends slowly, corrupts bytes, serves other bytes (a swapped file, stale metadata, a
 * decompression bomb) or never stops sending.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

export interface Fault {
  /** Close the connection after this many body bytes. */
  dropAt?: number;
  /** Send `chunk` bytes, then wait `delayMs`, and so on; `stallAfter`: stop sending (keep the socket) after that many bytes. */
  slow?: { chunk: number; delayMs: number; stallAfter?: number };
  /** Flip the bits of the bytes at these offsets of the file. */
  corruptAt?: number[];
  /** Serve these bytes instead of the file. */
  body?: Buffer;
  /** Send bytes forever. */
  endless?: boolean;
  /** Label the body with this Content-Encoding (e.g. a gzip bomb as `body`). */
  contentEncoding?: string;
  /** Apply to this many requests, then serve normally (default: all). */
  times?: number;
}

export interface Served {
  uri: string;
  status: number;
  range: string;
  /** Body bytes written to the socket. */
  bodyBytes: number;
}

export interface FaultServer {
  url: string;
  set(uri: string | RegExp, fault: Fault): void;
  clear(): void;
  log: Served[];
  /** Body bytes sent so far for matching URIs (including responses still in progress). */
  bytesFor(uri: string | RegExp): number;
  stop(): Promise<void>;
}

export async function startFaultServer(root: string): Promise<FaultServer> {
  const faults: { match: string | RegExp; fault: Fault; left: number }[] = [];
  const log: Served[] = [];
  const matches = (m: string | RegExp, uri: string) => (typeof m === 'string' ? m === uri : m.test(uri));
  const server = http.createServer((req, res) => {
    const uri = decodeURIComponent(new URL(req.url!, 'http://x').pathname);
    const entry: Served = { uri, status: 0, range: String(req.headers.range ?? ''), bodyBytes: 0 };
    log.push(entry);
    const f = faults.find((x) => matches(x.match, uri) && x.left > 0);
    if (f) f.left--;
    const fault = f?.fault ?? {};
    const file = path.join(root, ...uri.split('/'));
    let bytes: Buffer;
    if (fault.body) bytes = fault.body;
    else if (fault.endless) bytes = Buffer.alloc(0);
    else {
      try {
        if (!path.resolve(file).startsWith(path.resolve(root) + path.sep)) throw new Error('outside');
        bytes = fs.readFileSync(file);
      } catch {
        entry.status = 404;
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
    }
    if (fault.corruptAt) {
      bytes = Buffer.from(bytes);
      for (const at of fault.corruptAt) if (at < bytes.length) bytes[at] ^= 0xff;
    }
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(entry.range);
    if (m && !fault.endless) {
      start = Number(m[1]);
      if (start >= bytes.length) {
        entry.status = 416;
        res.writeHead(416, { 'content-range': `bytes */${bytes.length}` }).end();
        return;
      }
      entry.status = 206;
      res.writeHead(206, { 'content-length': bytes.length - start, 'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}` });
    } else {
      entry.status = 200;
      res.writeHead(200, {
        ...(fault.endless ? {} : { 'content-length': bytes.length }),
        ...(fault.contentEncoding ? { 'content-encoding': fault.contentEncoding } : {}),
      });
    }
    const body = bytes.subarray(start);
    void send(res, body, fault, entry);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    set: (match, fault) => { faults.unshift({ match, fault, left: fault.times ?? Infinity }); },
    clear: () => { faults.length = 0; },
    log,
    bytesFor: (m) => log.filter((e) => matches(m, e.uri)).reduce((n, e) => n + e.bodyBytes, 0),
    stop: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

async function send(res: http.ServerResponse, body: Buffer, fault: Fault, entry: Served): Promise<void> {
  const write = (b: Buffer) => new Promise<boolean>((resolve) => {
    if (res.destroyed) return resolve(false);
    entry.bodyBytes += b.length;
    res.write(b, (err) => resolve(!err));
  });
  if (fault.endless) {
    const junk = Buffer.alloc(16384, 0x7b);
    while (!res.destroyed && (await write(junk)));
    return;
  }
  const chunk = fault.slow?.chunk ?? 65536;
  for (let at = 0; at < body.length; at += chunk) {
    let piece = body.subarray(at, Math.min(body.length, at + chunk));
    if (fault.dropAt !== undefined && at + piece.length >= fault.dropAt) {
      piece = piece.subarray(0, fault.dropAt - at);
      if (piece.length) await write(piece);
      res.socket?.destroy();
      return;
    }
    if (fault.slow?.stallAfter !== undefined && at >= fault.slow.stallAfter) return; // keep the socket open, send nothing
    if (!(await write(piece))) return;
    if (fault.slow) await new Promise((r) => setTimeout(r, fault.slow!.delayMs));
  }
  res.end();
}
