/**
 * Resumable download of a signed file into the staging folder: what is already there is kept and
 * the rest asked for with an HTTP Range request; more bytes than the signed length end the
 * transfer (endless data), and the file only counts as downloaded when its length and sha256 are
 * the signed ones. A transfer that breaks leaves its part for the next attempt.
 */
import { createHash, type Hash } from 'node:crypto';
import * as fs from 'node:fs';
import { writeAll } from '../files';
import { HttpError, httpGet, type GetOptions, type HttpResponse, type Traffic } from './http';

export interface Expected {
  length: number;
  sha256: string;
}

/** The file is not the signed one: wrong length or hash. The part is deleted. */
export class VerifyError extends Error {}

export interface DownloadOptions {
  http: GetOptions;
  traffic: Traffic;
  onBytes?: (have: number, total: number) => void;
}

export interface DownloadResult {
  /** Bytes already in the part file when this attempt started. */
  resumedFrom: number;
  /** Body bytes received by this attempt. */
  received: number;
}

export async function downloadResumable(url: string, part: string, expected: Expected, o: DownloadOptions): Promise<DownloadResult> {
  let have = fs.statSync(part, { throwIfNoEntry: false })?.size ?? 0;
  if (have > expected.length) {
    fs.rmSync(part);
    have = 0;
  }
  const resumedFrom = have;
  let hash = createHash('sha256');
  if (have > 0) await hashInto(part, hash);
  const before = o.traffic.bytes;
  if (have < expected.length) {
    let res = await httpGet(url, o.traffic, { ...o.http, headers: have > 0 ? { range: `bytes=${have}-` } : undefined });
    if (have > 0 && !resumes(res, have, expected.length)) {
      // The server ignored or refused the range (or answered for another file): start over.
      res.abort();
      fs.rmSync(part, { force: true });
      have = 0;
      hash = createHash('sha256');
      res = await httpGet(url, o.traffic, o.http);
    }
    if (have === 0 && res.status !== 200) {
      res.abort();
      throw new HttpError(`${url}: HTTP ${res.status}`, res.status);
    }
    have = await receive(res, part, have, expected, hash, o);
    if (have < expected.length) throw new HttpError(`${url}: the connection closed after ${have} of ${expected.length} bytes`);
  }
  if (hash.digest('hex') !== expected.sha256) {
    fs.rmSync(part, { force: true });
    throw new VerifyError(`${url}: sha256 differs from the signed one (corrupted or swapped file)`);
  }
  return { resumedFrom, received: o.traffic.bytes - before };
}

function resumes(res: HttpResponse, have: number, length: number): boolean {
  if (res.status !== 206) return false;
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(String(res.headers['content-range'] ?? ''));
  return !!m && Number(m[1]) === have && (m[3] === '*' || Number(m[3]) === length);
}

async function receive(res: HttpResponse, part: string, have: number, expected: Expected, hash: Hash, o: DownloadOptions): Promise<number> {
  const fd = fs.openSync(part, have > 0 ? 'a' : 'w');
  let overlong = false;
  let diskError: unknown;
  try {
    for await (const chunk of res.body) {
      if (have + chunk.length > expected.length) {
        overlong = true;
        break; // ends the response
      }
      try {
        writeAll(fd, chunk);
      } catch (e) {
        diskError = e;
        throw e;
      }
      hash.update(chunk);
      have += chunk.length;
      o.onBytes?.(have, expected.length);
    }
  } catch (e) {
    if (e === diskError || e instanceof HttpError) throw e;
    throw new HttpError(`the connection broke after ${have} of ${expected.length} bytes (${(e as Error).message})`);
  } finally {
    try {
      fs.fsyncSync(fd); // what arrived survives for the next attempt
    } finally {
      fs.closeSync(fd);
    }
  }
  if (overlong) {
    fs.rmSync(part, { force: true });
    throw new VerifyError(`the server sent more than the signed ${expected.length} bytes`);
  }
  return have;
}

async function hashInto(file: string, hash: Hash): Promise<void> {
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
}
