/**
 * A small health collector: devices POST reports to /v1/health, each is checked and appended as
 * one JSON line to a file (one write per line, so concurrent appends do not interleave);
 * GET /v1/health/summary returns the aggregate `release status` reads.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { aggregateHealth, parseHealthLines, parseHealthReport } from '../health';

const MAX_BODY = 4096;

export interface HealthCollector {
  url: string;
  /** Reports accepted since start. */
  accepted(): number;
  close(): Promise<void>;
}

export async function startHealthCollector(file: string, o: { host?: string; port?: number } = {}): Promise<HealthCollector> {
  let accepted = 0;
  const server = http.createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && req.url === '/v1/health/summary') {
      let text = '';
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        // No reports yet.
      }
      return reply(200, aggregateHealth(parseHealthLines(text)));
    }
    if (req.method !== 'POST' || req.url !== '/v1/health') return reply(404, { error: 'not found' });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reply(413, { error: 'report too large' });
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_BODY) return;
      let report;
      try {
        report = parseHealthReport(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        report = undefined;
      }
      if (!report) return reply(400, { error: 'not a health report' });
      fs.appendFileSync(file, JSON.stringify(report) + '\n');
      accepted++;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', resolve);
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}/v1/health`,
    accepted: () => accepted,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
