import { verifySignature } from '@aura/crypto/public';
import { AuraError } from '@aura/errors';
import {
  type ChangeStatement,
  canonicalJson,
  type DeviceStatement,
  SIGNATURE_CONTEXT,
  type SignedChange,
  type VaultStatement,
} from '@aura/protocol';
import { fromBase64 } from '../base64.ts';

/**
 * The server's check of a signed change before it stores the write and logs the statement.
 * Clients check every statement again when they replay the log (the server may lie); this
 * check is there so that an honest server never logs a statement that does not match the
 * write it came with, which every client would then report as tampering.
 */
const refuse = (why: string): never => {
  throw new AuraError('AURA_INVALID_INPUT', `change: ${why}; nothing was stored`);
};

function parse(change: SignedChange): ChangeStatement {
  let statement: unknown;
  try {
    statement = JSON.parse(change.statement);
  } catch {
    return refuse('statement is not JSON');
  }
  if (canonicalJson(statement) !== change.statement) refuse('statement is not canonical JSON');
  return statement as ChangeStatement;
}

function expectFields(actual: object, expected: Record<string, unknown>) {
  for (const [key, value] of Object.entries(expected)) {
    if ((actual as Record<string, unknown>)[key] !== value) refuse(`statement.${key} does not match the request`);
  }
}

function checkSignature(change: SignedChange, context: string, signingPublicKey: Buffer) {
  const ok = verifySignature(
    new Uint8Array(signingPublicKey),
    context,
    new TextEncoder().encode(change.statement),
    new Uint8Array(fromBase64(change.signature)),
  );
  if (!ok) refuse("the signature is not the signing device's");
}

/** A statement of `kind` that matches the request and is signed by the given device. */
function checkChange<S extends ChangeStatement>(
  change: SignedChange,
  kind: S['kind'],
  expected: Record<string, unknown>,
  signingPublicKey: Buffer,
  shape: (statement: S) => boolean,
): S {
  const statement = parse(change);
  if (statement.kind !== kind) return refuse(`not a ${kind} statement`);
  if (!shape(statement as S)) refuse('the statement lacks a field it needs');
  expectFields(statement, expected);
  checkSignature(change, SIGNATURE_CONTEXT[kind], signingPublicKey);
  return statement as S;
}

export function checkVaultChange(
  change: SignedChange,
  expected: Omit<VaultStatement, 'kind' | 'bloom'>,
  signingPublicKey: Buffer,
): VaultStatement {
  return checkChange<VaultStatement>(change, 'vault', expected, signingPublicKey, (s) => typeof s.bloom === 'string');
}

/**
 * A device addition must carry the new device's certificate (clients check it against the account
 * key); the returned statement's `certificate` is what the devices row stores.
 */
export function checkDeviceChange(
  change: SignedChange,
  expected: Omit<DeviceStatement, 'kind' | 'certificate'>,
  signingPublicKey: Buffer,
): DeviceStatement {
  return checkChange<DeviceStatement>(
    change,
    'device',
    expected,
    signingPublicKey,
    (s) => typeof s.certificate === 'string' && (s.op !== 'add' || s.certificate !== ''),
  );
}
