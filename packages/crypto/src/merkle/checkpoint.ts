import { AuraError } from '@aura/errors';
import { sha256 } from '@noble/hashes/sha2.js';
import { ed25519VerifyRaw } from '../verify-signature.ts';
import { HASH_BYTES } from './tree.ts';

/**
 * Signed checkpoints in the C2SP tlog-checkpoint format, as a C2SP signed note:
 *
 *   <origin>\n<tree size>\n<base64 root hash>\n\n— <key name> <base64(key id || signature)>\n
 *
 * The Ed25519 signature covers the note text (the first three lines and their newlines); the
 * 4-byte key id is SHA-256(key name || "\n" || 0x01 || public key)[:4].
 */
export interface Checkpoint {
  origin: string;
  size: number;
  root: Uint8Array;
  /** The signed text. */
  body: string;
  note: string;
}

const utf8 = (s: string) => new TextEncoder().encode(s);
const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

export function checkpointKeyId(name: string, publicKey: Uint8Array): Uint8Array {
  return sha256(new Uint8Array([...utf8(`${name}\n`), 0x01, ...publicKey])).slice(0, 4);
}

export function checkpointBody(origin: string, size: number, root: Uint8Array): string {
  return `${origin}\n${size}\n${b64(root)}\n`;
}

export function formatSignedNote(body: string, name: string, publicKey: Uint8Array, signature: Uint8Array): string {
  return `${body}\n\u2014 ${name} ${b64(new Uint8Array([...checkpointKeyId(name, publicKey), ...signature]))}\n`;
}

const invalid = (why: string) => new AuraError('AURA_AUDIT_INTEGRITY', `the audit checkpoint is not valid: ${why}`);

/**
 * Parses a checkpoint note and checks it is signed by `publicKey` under `name` for `origin`.
 * Throws AURA_AUDIT_INTEGRITY on anything else.
 */
export function verifyCheckpoint(
  note: string,
  expected: { origin: string; name: string; publicKey: Uint8Array },
): Checkpoint {
  if (typeof note !== 'string' || note.length > 10_000) throw invalid('not a note');
  const split = note.indexOf('\n\n');
  if (split < 0) throw invalid('no signature block');
  const body = note.slice(0, split + 1);
  const lines = body.split('\n');
  if (lines.length !== 4 || lines[3] !== '') throw invalid('the body is not origin, size and root');
  const [origin, sizeText, rootText] = lines as [string, string, string];
  if (origin !== expected.origin) throw invalid(`it is for "${origin}", not this account's log`);
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeText)) throw invalid('the size is not a number');
  let root: Uint8Array;
  try {
    root = unb64(rootText);
  } catch {
    throw invalid('the root is not base64');
  }
  if (root.length !== HASH_BYTES) throw invalid('the root is not a SHA-256 hash');
  if (!signedBy(note, split, body, expected)) throw invalid('no valid signature by the log key');
  return { origin, size: Number(sizeText), root, body, note };
}

/** Whether one of the note's signature lines is `key`'s valid signature over `body`. */
function signedBy(note: string, split: number, body: string, key: LogKey): boolean {
  const keyId = checkpointKeyId(key.name, key.publicKey);
  for (const line of note.slice(split + 2).split('\n')) {
    const match = line.match(/^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/);
    if (!match || match[1] !== key.name) continue;
    const blob = unb64(match[2] ?? '');
    if (blob.length !== 68 || !blob.slice(0, 4).every((b, i) => b === keyId[i])) continue;
    if (ed25519VerifyRaw(key.publicKey, utf8(body), blob.slice(4))) return true;
  }
  return false;
}

/**
 * A log key rotation: a signed note, by the key being retired, naming its successor. Its first
 * line and its five-line body keep it from ever reading as a checkpoint (three lines), so a
 * rotation cannot be replayed as a log state, nor a checkpoint as a rotation.
 *
 *   aura.log-key-rotation/v1\n<sequence>\n<new key name>\n<base64 new public key>\n
 */
export interface LogKey {
  name: string;
  publicKey: Uint8Array;
}

const ROTATION = 'aura.log-key-rotation/v1';

export function keyRotationBody(sequence: number, next: LogKey): string {
  return `${ROTATION}\n${sequence}\n${next.name}\n${b64(next.publicKey)}\n`;
}

/**
 * The key `note` hands over to, when it is a rotation signed by `from`; undefined when `from`
 * did not sign it (another link of the chain). Throws on a note that is not a rotation at all.
 */
export function verifyKeyRotation(note: string, from: LogKey): { sequence: number; next: LogKey } | undefined {
  const bad = (why: string) => new AuraError('AURA_AUDIT_INTEGRITY', `a log key rotation is not valid: ${why}`);
  if (typeof note !== 'string' || note.length > 10_000) throw bad('not a note');
  const split = note.indexOf('\n\n');
  if (split < 0) throw bad('no signature block');
  const body = note.slice(0, split + 1);
  const lines = body.split('\n');
  if (lines.length !== 5 || lines[0] !== ROTATION || lines[4] !== '') throw bad('the body is not a rotation');
  const [, sequenceText, name, keyText] = lines as [string, string, string, string];
  if (!/^(0|[1-9][0-9]{0,8})$/.test(sequenceText)) throw bad('the sequence is not a number');
  if (!/^\S+$/.test(name)) throw bad('the key name is not one word');
  let publicKey: Uint8Array;
  try {
    publicKey = unb64(keyText);
  } catch {
    throw bad('the public key is not base64');
  }
  if (publicKey.length !== 32) throw bad('the public key is not an Ed25519 key');
  if (!signedBy(note, split, body, from)) return undefined;
  return { sequence: Number(sequenceText), next: { name, publicKey } };
}
