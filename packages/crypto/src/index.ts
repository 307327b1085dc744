/**
 * @aura/crypto — everything secret in Aura happens through this module, on the client.
 * See packages/crypto/README.md for the API and what JavaScript cannot guarantee.
 */
export { platformName } from './aead.ts';
export {
  checkKdfParams,
  DEFAULT_KDF_PARAMS,
  KDF_CEILING,
  KDF_FLOOR,
  type KdfParams,
} from './argon2.ts';
export {
  type BlindIndexOptions,
  blindIndexTokens,
  blindSearchTokens,
  DEFAULT_TOKEN_BITS,
  indexTerms,
  normalizeText,
  tokenize,
} from './blind-index.ts';
export { bytesToHex, constantTimeEqual, hexToBytes, wipe } from './bytes.ts';
export {
  ENVELOPE_HEADER_BYTES,
  ENVELOPE_VERSION,
  type EnvelopeHeader,
  type EnvelopeSlot,
  openEnvelope,
  paddedLength,
  readEnvelopeHeader,
  type SealOptions,
  sealEnvelope,
} from './envelope.ts';
export { sha256 } from './hash.ts';
export {
  deriveAuditKeyPair,
  deriveBlindIndexKey,
  deriveCollectionKey,
  deriveDeviceCertificateKey,
  deriveKdfSalt,
  deriveKeyEncryptionKey,
  deriveMasterKey,
  deriveSrpPrivateKey,
  generateAccountKey,
  generateKdfSeed,
  KDF_SEED_BYTES,
  type MasterKey,
  normalizeIdentifier,
  unwrapAccountKey,
  type WrapContext,
  wrapAccountKey,
} from './hierarchy.ts';
export { hkdfSha256, hmacSha256, verifyHmacSha256 } from './hkdf.ts';
export { KEY_BYTES, KEY_ID_BYTES, type KeyPurpose, keyIdHex, type SymmetricKey, symmetricKey } from './key.ts';
export { openSealed, x25519SharedSecret } from './seal/open-sealed.ts';
export { generateX25519KeyPair, sealTo, type X25519KeyPair } from './seal/seal-to.ts';
export { type Ed25519KeyPair, generateEd25519KeyPair, keyFingerprint, sign } from './sign.ts';
export {
  type SrpClientSession,
  srpClientEphemeral,
  srpClientSession,
  srpClientVerifyServer,
  srpVerifier,
} from './srp/client.ts';
export { SRP_GROUP_2048_SHA256, type SrpGroup, type SrpHashName, srpGroup } from './srp/group.ts';
export { type SrpServerSession, srpServerEphemeral, srpServerSession } from './srp/server.ts';
export { type SrpEphemeral, srpDecodePublic, srpMultiplier, srpScrambler } from './srp/shared.ts';
export {
  assertSignature,
  type SignatureCheck,
  type SignatureContext,
  verifySignature,
  verifySignatures,
} from './verify-signature.ts';
