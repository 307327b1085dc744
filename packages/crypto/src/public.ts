/**
 * Public-key operations a server may perform without holding any user's secret: sealing to
 * a public key and checking a signature. Exported apart from the package entry for that reason.
 */
export { sealTo } from './seal/seal-to.ts';
export { verifySignature } from './verify-signature.ts';
