/**
 * OpenSSH known_hosts files: which key a host is known by, its fingerprint, and adding a key
 * (what `edgewise device trust` does). Plain and hashed (`|1|salt|hmac`) host fields, `[host]:port`
 * for ports other than 22, wildcards and negations, and `@revoked` lines are understood;
 * `@cert-authority` lines are not (a host known only that way counts as unknown).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

interface Entry {
  /** 1-based line number, for messages. */
  line: number;
  marker?: '@revoked' | '@cert-authority';
  hosts: string;
  keyType: string;
  key: Buffer;
}

export type HostKeyCheck =
  | { status: 'known' }
  | { status: 'unknown' }
  | { status: 'changed'; line: number; knownType: string; knownFingerprint: string }
  | { status: 'revoked'; line: number };

/** How OpenSSH names a host in known_hosts: `host` on port 22, `[host]:port` elsewhere. */
export function hostPattern(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** OpenSSH's fingerprint of a public key blob: `SHA256:` and unpadded base64. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${crypto.createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type a public key blob starts with (`ssh-ed25519`, `ecdsa-sha2-nistp256`, ...). */
export function keyType(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const n = key.readUInt32BE(0);
  return n > 0 && 4 + n <= key.length ? key.subarray(4, 4 + n).toString('latin1') : 'unknown';
}

function parse(text: string): Entry[] {
  const entries: Entry[] = [];
  text.split('\n').forEach((raw, i) => {
    const fields = raw.trim().split(/\s+/);
    if (!fields[0] || fields[0].startsWith('#')) return;
    const marker = fields[0].startsWith('@') ? fields.shift() : undefined;
    if (fields.length < 3) return;
    entries.push({ line: i + 1, marker: marker as Entry['marker'], hosts: fields[0], keyType: fields[1], key: Buffer.from(fields[2], 'base64') });
  });
  return entries;
}

function globMatch(pattern: string, name: string): boolean {
  const re = pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\[/g, '\\[').replace(/\]/g, '\\]').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(name);
}

/** Whether a known_hosts host field names `name` (already in `[host]:port` form where needed). */
function matches(hosts: string, name: string): boolean {
  if (hosts.startsWith('|1|')) {
    const [, , salt, hash] = hosts.split('|');
    if (!salt || !hash) return false;
    return crypto.createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  let hit = false;
  for (const p of hosts.split(',')) {
    if (p.startsWith('!')) {
      if (globMatch(p.slice(1), name)) return false;
    } else if (globMatch(p, name)) {
      hit = true;
    }
  }
  return hit;
}

function readEntries(file: string): Entry[] {
  try {
    return parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(`${file}: cannot read the known hosts file: ${(e as Error).message}`);
  }
}

/** What `file` says about `key` offered by host:port. */
export function checkHostKey(file: string, host: string, port: number, key: Buffer): HostKeyCheck {
  const name = hostPattern(host, port);
  const type = keyType(key);
  const entries = readEntries(file).filter((e) => e.marker !== '@cert-authority' && matches(e.hosts, name));
  const revoked = entries.find((e) => e.marker === '@revoked' && e.key.equals(key));
  if (revoked) return { status: 'revoked', line: revoked.line };
  const own = entries.filter((e) => !e.marker);
  if (own.some((e) => e.keyType === type && e.key.equals(key))) return { status: 'known' };
  const other = own.find((e) => e.keyType === type) ?? own[0];
  if (other) return { status: 'changed', line: other.line, knownType: other.keyType, knownFingerprint: fingerprint(other.key) };
  return { status: 'unknown' };
}

/** Key types known for host:port, so the connection can ask for one of those first. */
export function knownKeyTypes(file: string, host: string, port: number): string[] {
  const name = hostPattern(host, port);
  return [...new Set(readEntries(file).filter((e) => !e.marker && matches(e.hosts, name)).map((e) => e.keyType))];
}

/**
 * Adds `key` for host:port to `file` (created with the folder, private to the user). With
 * `replace`, lines naming host:port with a different key are removed first; without it a
 * changed key is an error.
 */
export function addHostKey(file: string, host: string, port: number, key: Buffer, replace = false): void {
  const check = checkHostKey(file, host, port, key);
  if (check.status === 'known') return;
  if (check.status === 'revoked') throw new Error(`${file}:${check.line}: this key of ${hostPattern(host, port)} is revoked; not trusting it`);
  const name = hostPattern(host, port);
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  }
  if (check.status === 'changed') {
    if (!replace) {
      throw new Error(`${file}:${check.line} knows ${name} by another key (${check.knownType} ${check.knownFingerprint}); ` +
        'trusting the new one needs --replace');
    }
    const stale = new Set(parse(text).filter((e) => !e.marker && matches(e.hosts, name)).map((e) => e.line));
    text = text.split('\n').filter((_, i) => !stale.has(i + 1)).join('\n');
  }
  if (text && !text.endsWith('\n')) text += '\n';
  text += `${name} ${keyType(key)} ${key.toString('base64')}\n`;
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.renameSync(tmp, file);
}
