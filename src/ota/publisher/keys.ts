/**
 * Ed25519 signing keys of the four TUF roles. Private keys never live in the repository folder:
 * they are PEM files in a key folder (mode 600), or PEM text in EDGEWISE_KEY_<ROLE> environment
 * variables (CI secrets), which win over files.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { canonicalize } from '@tufjs/canonical-json';
import { Key, Signature } from '@tufjs/models';

export const ROLES = ['root', 'targets', 'snapshot', 'timestamp'] as const;
export type RoleName = (typeof ROLES)[number];

export interface SigningKey {
  keyId: string;
  publicKey: Key;
  privateKey: KeyObject;
}

export function newSigningKey(): { key: SigningKey; pem: string } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { key: signingKeyFromPem(pem), pem };
}

export function signingKeyFromPem(pem: string): SigningKey {
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`expected an Ed25519 private key, got ${privateKey.asymmetricKeyType}`);
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  const hex = Buffer.from(jwk.x!, 'base64url').toString('hex');
  const json = { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: hex } };
  // TUF's key id: sha256 of the key's canonical JSON.
  const keyId = createHash('sha256').update(canonicalize(json)).digest('hex');
  return { keyId, publicKey: Key.fromJSON(keyId, json), privateKey };
}

export function signer(key: SigningKey): (data: Buffer) => Signature {
  return (data) => new Signature({ keyID: key.keyId, sig: sign(null, data, key.privateKey).toString('hex') });
}

export function envName(role: RoleName): string {
  return `EDGEWISE_KEY_${role.toUpperCase()}`;
}

/** The key folder `release init` uses when none is given: under ~/.edgewise, named after the repository. */
export function defaultKeyDir(repoDir: string, initialRoot: Uint8Array): string {
  const home = process.env.EDGEWISE_HOME || path.join(os.homedir(), '.edgewise');
  const id = createHash('sha256').update(initialRoot).digest('hex').slice(0, 12);
  return path.join(home, 'keys', `${path.basename(path.resolve(repoDir))}-${id}`);
}

/** Refuses a key folder inside `repoDir` (whatever serves a repository would publish its keys). */
export function checkOutside(keyDir: string, repoDir: string): void {
  const real = (p: string) => {
    let q = path.resolve(p);
    const rest: string[] = [];
    while (!fs.existsSync(q)) {
      rest.unshift(path.basename(q));
      q = path.dirname(q);
    }
    return path.join(fs.realpathSync(q), ...rest);
  };
  const k = real(keyDir);
  const r = real(repoDir);
  if (k === r || k.startsWith(r + path.sep)) throw new Error(`keys must live outside ${repoDir}; ${keyDir} is inside it`);
}

export function keyFileName(role: RoleName, n: number): string {
  return `${role}-${n}.pem`;
}

/** Writes a new private key file readable by its owner only; never over an existing one. */
export function writeKeyFile(dir: string, role: RoleName, n: number, pem: string): string {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, keyFileName(role, n));
  fs.writeFileSync(file, pem, { flag: 'wx', mode: 0o600 });
  return file;
}

/** Gives the signing keys of a role (at least `threshold` of those root lists for it). */
export interface RoleKeys {
  keys(role: RoleName, allowed: readonly string[], threshold: number): SigningKey[];
}

/** Where a command finds private keys: environment variables first, then the key folder. */
export class KeySource implements RoleKeys {
  constructor(readonly dir: string | undefined, private readonly env: NodeJS.ProcessEnv = process.env) {}

  /** The keys of `role` among `allowed` key ids; throws when fewer than `threshold` are found. */
  keys(role: RoleName, allowed: readonly string[], threshold: number): SigningKey[] {
    const found = this.load(role).filter((k) => allowed.includes(k.keyId));
    const unique = [...new Map(found.map((k) => [k.keyId, k])).values()];
    if (unique.length < threshold) {
      throw new Error(`signing ${role} metadata needs ${threshold} of its keys; found ${unique.length} (set ${envName(role)} or pass the key folder with --keys${this.dir ? `; looked in ${this.dir}` : ''})`);
    }
    return unique;
  }

  private load(role: RoleName): SigningKey[] {
    const fromEnv = this.env[envName(role)];
    if (fromEnv) return pemBlocks(fromEnv).map(signingKeyFromPem);
    if (!this.dir || !fs.existsSync(this.dir)) return [];
    return fs.readdirSync(this.dir)
      .filter((f) => f.startsWith(`${role}-`) && f.endsWith('.pem'))
      .flatMap((f) => pemBlocks(fs.readFileSync(path.join(this.dir!, f), 'utf8')).map(signingKeyFromPem));
  }
}

function pemBlocks(text: string): string[] {
  return text.match(/-----BEGIN PRIVATE KEY-----[\s\S]*?-----END PRIVATE KEY-----/g) ?? [];
}

/**
 * The keys for commands on an existing repository: the folder given (--keys), else
 * EDGEWISE_KEYS, else the default folder `release init` chose for it; EDGEWISE_KEY_<ROLE> win.
 */
export function keySourceFor(repoDir: string, keysDir?: string, env: NodeJS.ProcessEnv = process.env): KeySource {
  if (keysDir || env.EDGEWISE_KEYS) return new KeySource(path.resolve(keysDir ?? env.EDGEWISE_KEYS!), env);
  let initial: Buffer | undefined;
  try {
    initial = fs.readFileSync(path.join(repoDir, 'metadata', '1.root.json'));
  } catch {
    // Not a repository: the command reports that when it opens it.
  }
  return new KeySource(initial ? defaultKeyDir(repoDir, initial) : undefined, env);
}
