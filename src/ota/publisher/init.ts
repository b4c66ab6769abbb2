/**
 * `release init`: a new repository with fresh Ed25519 keys for the four roles and its first,
 * self-signed root, the file an app ships as its trusted root.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MetaFile, Metadata, MetadataKind, Snapshot, Targets, Timestamp } from '@tufjs/models';
import { rangeProblem, type Range } from '../../core/base/range';
import { sha256Hex, writeFileDurable } from '../files';
import { METADATA_DIR, TARGETS_DIR } from '../release';
import { ROLES, checkOutside, defaultKeyDir, envName, newSigningKey, writeKeyFile, type RoleKeys, type RoleName, type SigningKey } from './keys';
import { SPEC_VERSION, expiresAt, signMetadata, type Expiry } from './repository';

/** Root keys of a new repository: each one is generated and written; a handful is what TUF roots use. */
export const ROOT_KEYS: Range = { min: 1, max: 64, integer: true };

export interface InitOptions {
  /** Folder for the private keys (default: ~/.edgewise/keys/REPO-ID); must be outside the repository. */
  keysDir?: string;
  /** Root keys to create and how many must sign a new root (default 1 of 1). */
  rootKeys?: number;
  rootThreshold?: number;
  /** More folders the key folder must stay out of (e.g. the open workspace). */
  keysOutside?: string[];
  now?: Date;
  expires?: Expiry;
}

export interface InitResult {
  repo: string;
  /** The initial root metadata: ship it with the app (it is public). */
  trustedRoot: string;
  keys: {
    dir: string;
    roles: Record<RoleName, { keyIds: string[]; threshold: number; files: string[]; env: string }>;
  };
}

export function initRepository(repoDir: string, o: InitOptions = {}): InitResult {
  const repo = path.resolve(repoDir);
  const metadataDir = path.join(repo, METADATA_DIR);
  if (fs.existsSync(path.join(metadataDir, 'root.json'))) throw new Error(`${repo} is already a release repository`);
  const rootKeys = o.rootKeys ?? 1;
  const rootThreshold = o.rootThreshold ?? 1;
  const keysProblem = rangeProblem(rootKeys, ROOT_KEYS);
  if (keysProblem) throw new Error(`the number of root keys ${keysProblem}, got ${rootKeys}`);
  if (!(Number.isInteger(rootThreshold) && rootThreshold >= 1 && rootThreshold <= rootKeys)) {
    throw new Error(`root threshold must be 1..${rootKeys} root keys (got ${rootThreshold} of ${rootKeys})`);
  }
  const now = o.now ?? new Date();
  const made: Record<RoleName, { key: SigningKey; pem: string }[]> = {
    root: Array.from({ length: rootKeys }, newSigningKey),
    targets: [newSigningKey()],
    snapshot: [newSigningKey()],
    timestamp: [newSigningKey()],
  };
  const threshold = (role: RoleName) => (role === 'root' ? rootThreshold : 1);
  const all = ROLES.flatMap((role) => made[role].map((m) => m.key));
  const root = Metadata.fromJSON(MetadataKind.Root, {
    signed: {
      _type: 'root', spec_version: SPEC_VERSION, version: 1, expires: expiresAt('root', now, o.expires), consistent_snapshot: true,
      keys: Object.fromEntries(all.map((k) => [k.keyId, k.publicKey.toJSON()])),
      roles: Object.fromEntries(ROLES.map((role) => [role, { keyids: made[role].map((m) => m.key.keyId), threshold: threshold(role) }])),
    },
    signatures: [],
  });
  // Sign in memory with the new keys; they reach the disk only in the key folder.
  const inMemory: RoleKeys = { keys: (role) => made[role].map((m) => m.key) };
  const rootBytes = signMetadata(root, 'root', root, inMemory);
  const keysDir = path.resolve(o.keysDir ?? defaultKeyDir(repo, rootBytes));
  for (const folder of [repo, ...(o.keysOutside ?? [])]) checkOutside(keysDir, folder);
  if (fs.existsSync(keysDir) && fs.readdirSync(keysDir).some((f) => f.endsWith('.pem'))) {
    throw new Error(`${keysDir} already holds keys; give another --keys folder`);
  }

  const targets = new Metadata(new Targets({ version: 1, specVersion: SPEC_VERSION, expires: expiresAt('targets', now, o.expires) }));
  const targetsBytes = signMetadata(root, 'targets', targets, inMemory);
  const snapshot = new Metadata(new Snapshot({
    version: 1, specVersion: SPEC_VERSION, expires: expiresAt('snapshot', now, o.expires),
    meta: { 'targets.json': new MetaFile({ version: 1, length: targetsBytes.length, hashes: { sha256: sha256Hex(targetsBytes) } }) },
  }));
  const snapshotBytes = signMetadata(root, 'snapshot', snapshot, inMemory);
  const timestamp = new Metadata(new Timestamp({
    version: 1, specVersion: SPEC_VERSION, expires: expiresAt('timestamp', now, o.expires),
    snapshotMeta: new MetaFile({ version: 1, length: snapshotBytes.length, hashes: { sha256: sha256Hex(snapshotBytes) } }),
  }));
  const timestampBytes = signMetadata(root, 'timestamp', timestamp, inMemory);

  const roles = {} as InitResult['keys']['roles'];
  for (const role of ROLES) {
    roles[role] = {
      keyIds: made[role].map((m) => m.key.keyId),
      threshold: threshold(role),
      files: made[role].map((m, i) => writeKeyFile(keysDir, role, i + 1, m.pem)),
      env: envName(role),
    };
  }
  fs.mkdirSync(metadataDir, { recursive: true });
  fs.mkdirSync(path.join(repo, TARGETS_DIR), { recursive: true });
  writeFileDurable(path.join(metadataDir, '1.root.json'), rootBytes);
  writeFileDurable(path.join(metadataDir, 'root.json'), rootBytes);
  writeFileDurable(path.join(metadataDir, '1.targets.json'), targetsBytes);
  writeFileDurable(path.join(metadataDir, '1.snapshot.json'), snapshotBytes);
  writeFileDurable(path.join(metadataDir, 'timestamp.json'), timestampBytes);
  return { repo, trustedRoot: path.join(metadataDir, '1.root.json'), keys: { dir: keysDir, roles } };
}
