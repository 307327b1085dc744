/**
 * Public-key operations a server may perform for a user without holding any of the user's
 * secrets: sealing to a public key. Exported apart from the package entry for that reason.
 */
export { sealTo } from './seal.ts';
