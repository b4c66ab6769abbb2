/**
 * Debian's nginx serving a folder on a loopback port, owned by the test: its own config and
 * prefix, `daemon off`, an access log with the bytes of every response (headers included).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const NGINX = '/usr/sbin/nginx';

export function hasNginx(): boolean {
  return fs.existsSync(NGINX);
}

export interface AccessEntry {
  method: string;
  uri: string;
  status: number;
  /** Bytes sent: status line, headers and body. */
  bytes: number;
  bodyBytes: number;
  range: string;
}

export interface Nginx {
  url: string;
  process: ChildProcess;
  /** Requests served so far (read from the access log). */
  accessLog(): AccessEntry[];
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** The temp-path directives this nginx build knows (nginx-light lacks some modules). */
function tempPathDirectives(): string[] {
  const v = spawnSync(NGINX, ['-V'], { encoding: 'utf8' }).stderr;
  return ['client-body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .filter((m) => v.includes(`--http-${m}-temp-path`) && (m === 'client-body' || !v.includes(`--without-http_${m}_module`)))
    .map((m) => `${m.replace('-', '_')}_temp_path`);
}

export interface NginxOptions {
  /** nginx `limit_rate` per response (e.g. '1m' bytes/s), to make transfers last long enough to interrupt. */
  limitRate?: string;
}

export async function startNginx(root: string, o: NginxOptions = {}): Promise<Nginx> {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-nginx-'));
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const log = path.join(prefix, 'access.log');
    fs.writeFileSync(path.join(prefix, 'nginx.conf'), [
      'daemon off;',
      'worker_processes 1;',
      // Test folders are private (mkdtemp); a root nginx's workers would otherwise run as nobody.
      process.getuid?.() === 0 ? 'user root;' : '',
      `error_log ${prefix}/error.log warn;`,
      `pid ${prefix}/nginx.pid;`,
      'events { worker_connections 4096; }',
      'http {',
      "  log_format ew '$request_method $uri $status $bytes_sent $body_bytes_sent \"$http_range\"';",
      `  access_log ${log} ew;`,
      ...tempPathDirectives().map((d) => `  ${d} ${prefix}/${d};`),
      '  types { application/json json; }',
      '  default_type application/octet-stream;',
      '  keepalive_requests 100000;',
      // Metadata compressed as a CDN would serve it (clients that ask for it); models are not JSON.
      '  gzip on;',
      '  gzip_types application/json;',
      '  gzip_comp_level 6;',
      '  gzip_min_length 256;',
      '  gzip_vary on;',
      '  server {',
      `    listen 127.0.0.1:${port};`,
      `    root ${root};`,
      o.limitRate ? `    limit_rate ${o.limitRate};` : '',
      '    location / { }',
      '  }',
      '}',
    ].join('\n'));
    const proc = spawn(NGINX, ['-p', prefix, '-c', path.join(prefix, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr!.on('data', (d) => { stderr += d; });
    const up = await waitForPort(port, proc);
    if (!up) {
      proc.kill('SIGKILL');
      if (attempt < 3 && /Address already in use/.test(stderr + readIf(path.join(prefix, 'error.log')))) continue;
      throw new Error(`nginx did not start: ${stderr}${readIf(path.join(prefix, 'error.log'))}`);
    }
    return {
      url: `http://127.0.0.1:${port}`,
      process: proc,
      accessLog: () => parseLog(readIf(log)),
      stop: async () => {
        if (proc.exitCode === null) {
          const exited = new Promise((r) => proc.once('exit', r));
          proc.kill('SIGQUIT');
          const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
          await exited;
          clearTimeout(t);
        }
        fs.rmSync(prefix, { recursive: true, force: true });
      },
    };
  }
}

function readIf(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function parseLog(text: string): AccessEntry[] {
  return text.split('\n').filter(Boolean).map((line) => {
    const m = /^(\S+) (\S+) (\d+) (\d+) (\d+) "(.*)"$/.exec(line);
    if (!m) throw new Error(`unexpected access log line: ${line}`);
    return { method: m[1], uri: m[2], status: Number(m[3]), bytes: Number(m[4]), bodyBytes: Number(m[5]), range: m[6] === '-' ? '' : m[6] };
  });
}

async function waitForPort(port: number, proc: ChildProcess): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (proc.exitCode !== null) return false;
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
