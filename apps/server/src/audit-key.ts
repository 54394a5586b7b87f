import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { type DB, DEFAULT_SQLITE_PATH, verifyAuditChain } from '@carryover/db';

// The key of the audit trail's HMAC anchor (see queries/audit.ts in @carryover/db). It must
// never be in the database it protects: it comes from AUDIT_HMAC_KEY, or from a key file made
// on first start (mode 0600) in the data directory, beside the SQLite file — not inside it, so
// a copy of the database (or a backup) does not carry the key. Keep a copy of the key apart
// from the backups: without it the trail can no longer be checked against the anchor.

export const AUDIT_KEY_FILE_NAME = 'audit-hmac.key';
/** The key that encrypts single sign-on client secrets; same rules, its own file. */
export const SSO_KEY_FILE_NAME = 'sso-secret.key';

export interface AuditKey {
  key: Buffer;
  /** Where it came from, for messages: the variable's name or the file's path. */
  source: string;
  /** True when this call made the key file (first start). */
  created: boolean;
}

/** A server key kept outside the database: a variable, or a file beside the data. */
interface KeySpec {
  /** The variable holding the key itself. */
  variable: string;
  /** The variable naming the key file. */
  fileVariable: string;
  fileName: string;
}

const AUDIT_KEY: KeySpec = {
  variable: 'AUDIT_HMAC_KEY',
  fileVariable: 'AUDIT_HMAC_KEY_FILE',
  fileName: AUDIT_KEY_FILE_NAME,
};
const SSO_KEY: KeySpec = {
  variable: 'SSO_SECRET_KEY',
  fileVariable: 'SSO_SECRET_KEY_FILE',
  fileName: SSO_KEY_FILE_NAME,
};

function keyPath(spec: KeySpec, env: NodeJS.ProcessEnv): string {
  const named = env[spec.fileVariable];
  if (named) return resolve(named);
  const url = env.DATABASE_URL;
  const sqlite = url && !/^postgres(ql)?:/.test(url) ? url : DEFAULT_SQLITE_PATH;
  const path = sqlite.replace(/^(file|sqlite):(\/\/)?/, '');
  return join(dirname(resolve(path === ':memory:' ? DEFAULT_SQLITE_PATH : path)), spec.fileName);
}

/** AUDIT_HMAC_KEY_FILE, or `audit-hmac.key` in the SQLite file's folder (./data for Postgres). */
export function auditKeyPath(env: NodeJS.ProcessEnv = process.env): string {
  return keyPath(AUDIT_KEY, env);
}

/**
 * The audit key, or null when there is none and `create` is false. A key file readable by
 * others is refused: the anchor is worth only what the key's secrecy is.
 */
export function loadAuditKey(
  options: { create: boolean },
  env: NodeJS.ProcessEnv = process.env,
): AuditKey | null {
  return loadKey(AUDIT_KEY, options, env);
}

/** The key of single sign-on client secrets (SSO_SECRET_KEY, or `sso-secret.key`). */
export function loadSsoKey(
  options: { create: boolean },
  env: NodeJS.ProcessEnv = process.env,
): AuditKey | null {
  return loadKey(SSO_KEY, options, env);
}

function loadKey(
  spec: KeySpec,
  options: { create: boolean },
  env: NodeJS.ProcessEnv,
): AuditKey | null {
  const value = env[spec.variable];
  if (value) {
    if (value.length < 32)
      throw new Error(`${spec.variable} must be at least 32 characters (e.g. 64 hex digits).`);
    return { key: Buffer.from(value, 'utf8'), source: spec.variable, created: false };
  }
  const path = keyPath(spec, env);
  let created = false;
  if (options.create) {
    mkdirSync(dirname(path), { recursive: true });
    try {
      // 'wx': only if absent, so two processes starting at once cannot overwrite each other's key.
      const fd = openSync(path, 'wx', 0o600);
      try {
        writeSync(fd, `${randomBytes(32).toString('hex')}\n`);
      } finally {
        closeSync(fd);
      }
      created = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  if ((statSync(path).mode & 0o077) !== 0)
    throw new Error(`The key file ${path} is readable by others: chmod 600 it.`);
  if (text.length < 32) throw new Error(`The key file ${path} holds no usable key.`);
  return { key: Buffer.from(text, 'utf8'), source: path, created };
}

/** Checks every district's chain and anchor; 0 when all hold, 1 naming each first bad seq. */
export async function verifyAuditTrail(
  db: DB,
  key: AuditKey,
  print: (line: string) => void,
): Promise<number> {
  const districts = await db.selectFrom('district').select(['id', 'name']).orderBy('id').execute();
  let bad = 0;
  for (const d of districts) {
    const verdict = await verifyAuditChain(db, d.id, { key: key.key });
    if (verdict.ok) print(`ok      ${d.id} (${d.name}): ${verdict.count} events`);
    else {
      bad++;
      print(
        `BROKEN  ${d.id} (${d.name}): first bad seq ${verdict.brokenAtSeq} — ${verdict.reason}`,
      );
    }
  }
  print(
    bad === 0
      ? `Audit trail verified: ${districts.length} district(s), anchored with ${key.source}.`
      : `Audit trail BROKEN in ${bad} district(s).`,
  );
  return bad === 0 ? 0 : 1;
}
