import { createPrivateKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { checkpointBody, formatSignedNote, keyRotationBody } from '@aura/crypto/merkle';
import type pg from 'pg';
import { fromBase64, toBase64 } from '../base64.ts';
import { keepFirstServerKey } from '../db/server-keys.ts';
import { withTransaction } from '../db/transaction.ts';

/** The log's Ed25519 key, kept with the server's other keys, and the note it signs. */
export interface LogSigner {
  name: string;
  publicKey: Uint8Array;
  /** Every rotation so far, oldest first: how a device that pinned an older key reaches this one. */
  rotations: string[];
  originFor(userId: string): string;
  signCheckpoint(userId: string, size: number, root: Uint8Array): string;
}

interface StoredKey {
  pkcs8: string;
}

const newKey = (): StoredKey => {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { pkcs8: toBase64(privateKey.export({ format: 'der', type: 'pkcs8' })) };
};

function keyPair(stored: StoredKey): { key: KeyObject; publicKey: Uint8Array } {
  const key = createPrivateKey({ key: fromBase64(stored.pkcs8), format: 'der', type: 'pkcs8' });
  const jwk = key.export({ format: 'jwk' }) as { x: string };
  return { key, publicKey: new Uint8Array(Buffer.from(jwk.x, 'base64url')) };
}

const signNote = (body: string, name: string, pair: ReturnType<typeof keyPair>) =>
  formatSignedNote(body, name, pair.publicKey, sign(null, Buffer.from(body), pair.key));

export async function loadLogSigner(pool: pg.Pool, name: string, originPrefix: string): Promise<LogSigner> {
  const pair = keyPair(await keepFirstServerKey(pool, 'log-signing', newKey()));
  const { rows } = await pool.query<{ note: string }>('SELECT note FROM log_key_rotations ORDER BY seq');
  const originFor = (userId: string) => `${originPrefix}/${userId}`;
  return {
    name,
    publicKey: pair.publicKey,
    rotations: rows.map((r) => r.note),
    originFor,
    signCheckpoint(userId, size, root) {
      return signNote(checkpointBody(originFor(userId), size, root), name, pair);
    },
  };
}

/**
 * Replaces the log key, with every server stopped (a running one would go on signing with the
 * old key). In one transaction: the old key signs a rotation naming the new one, the new key
 * becomes the log key, and each account's newest checkpoint is signed again by it, so the next
 * thing every device reads is under the new key and the chain that vouches for it.
 */
export async function rotateLogKey(pool: pg.Pool, name: string): Promise<{ sequence: number; accounts: number }> {
  return withTransaction(pool, async (db) => {
    const current = (
      await db.query<{ value: StoredKey }>("SELECT value FROM server_keys WHERE name = 'log-signing' FOR UPDATE")
    ).rows[0];
    if (!current) throw new Error('this server has no log key yet: start it once, then rotate');
    const old = keyPair(current.value);
    const stored = newKey();
    const next = keyPair(stored);
    const sequence = Number(
      (await db.query<{ n: string }>('SELECT count(*) AS n FROM log_key_rotations')).rows[0]?.n ?? 0,
    );
    const rotation = signNote(keyRotationBody(sequence, { name, publicKey: next.publicKey }), name, old);
    await db.query('INSERT INTO log_key_rotations (seq, note) VALUES ($1, $2)', [sequence, rotation]);
    await db.query("UPDATE server_keys SET value = $1 WHERE name = 'log-signing'", [JSON.stringify(stored)]);
    // The checkpoint's own text is kept (origin, size, root) and only its signature replaced.
    const latest = await db.query<{ user_id: string; size: string; note: string }>(
      `SELECT DISTINCT ON (user_id) user_id, size, note FROM audit_checkpoints ORDER BY user_id, size DESC`,
    );
    for (const row of latest.rows) {
      const body = row.note.slice(0, row.note.indexOf('\n\n') + 1);
      await db.query('UPDATE audit_checkpoints SET note = $3 WHERE user_id = $1 AND size = $2', [
        row.user_id,
        row.size,
        signNote(body, name, next),
      ]);
    }
    return { sequence, accounts: latest.rows.length };
  });
}
