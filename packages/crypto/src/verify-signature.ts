import { AuraError } from '@aura/errors';
import { platform } from '#platform';
import { assertBytes, assertString, concatBytes, lengthPrefixed, utf8ToBytes } from './bytes.ts';

/**
 * Ed25519 (RFC 8032) with a domain-separation context per use: the signed bytes are
 * "aura/v1/sig\0" || lp(context) || message, so an approval signature can never be replayed
 * as an audit checkpoint or a key-list signature (M11, M17). Verification is strict RFC 8032
 * (canonical encodings, no ZIP-215 leniency).
 */
export type SignatureContext =
  | 'approval'
  | 'audit-checkpoint'
  | 'device-key-list'
  | 'device-enrollment'
  | 'device-change'
  | 'vault-change'
  | 'support-grant'
  | 'support-agent-key'
  | (string & { readonly __customContext?: never });

const LABEL = utf8ToBytes('aura/v1/sig\0');

export function signedBytes(context: string, message: Uint8Array): Uint8Array {
  assertString(context, 'context');
  if (context.length === 0) throw new AuraError('AURA_INVALID_INPUT', 'signature context must not be empty');
  assertBytes(message, 'message');
  return concatBytes(LABEL, lengthPrefixed(utf8ToBytes(context)), message);
}

/** Plain RFC 8032 verification, strict encodings. For vectors; Aura code uses verifySignature. */
export function ed25519VerifyRaw(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  return platform.ed25519Verify(publicKey, message, signature);
}

export function verifySignature(
  publicKey: Uint8Array,
  context: SignatureContext,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  assertBytes(publicKey, 'Ed25519 public key');
  assertBytes(signature, 'signature');
  return ed25519VerifyRaw(publicKey, signedBytes(context, message), signature);
}

/** Throws AURA_CRYPTO_BAD_SIGNATURE unless the signature verifies. */
export function assertSignature(
  publicKey: Uint8Array,
  context: SignatureContext,
  message: Uint8Array,
  signature: Uint8Array,
): void {
  if (!verifySignature(publicKey, context, message, signature)) {
    throw new AuraError(
      'AURA_CRYPTO_BAD_SIGNATURE',
      `the ${context} signature does not verify for the expected key; it was not made by that device`,
    );
  }
}

export interface SignatureCheck {
  publicKey: Uint8Array;
  context: SignatureContext;
  message: Uint8Array;
  signature: Uint8Array;
}

/**
 * Each check's verifySignature verdict, all at once: in a browser through WebCrypto's native
 * Ed25519 where it has one (the same verdicts, several times faster than the portable code).
 */
export function verifySignatures(checks: readonly SignatureCheck[]): Promise<boolean[]> {
  return platform.ed25519VerifyMany(
    checks.map((c) => {
      assertBytes(c.publicKey, 'Ed25519 public key');
      assertBytes(c.signature, 'signature');
      return { publicKey: c.publicKey, message: signedBytes(c.context, c.message), signature: c.signature };
    }),
  );
}

/** Plain RFC 8032 verification of many, strict encodings, on this platform's fastest path. For vectors. */
export function ed25519VerifyManyRaw(
  items: readonly { publicKey: Uint8Array; message: Uint8Array; signature: Uint8Array }[],
): Promise<boolean[]> {
  return platform.ed25519VerifyMany(items);
}
