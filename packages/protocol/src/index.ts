export * from './v1/audit.ts';
export * from './v1/auth.ts';
export { base64Bytes, decodedLength } from './v1/bytes.ts';
export * from './v1/changes.ts';
export * from './v1/devices.ts';
export { ErrorBody } from './v1/error.ts';
export * from './v1/support.ts';
export * from './v1/tasks.ts';
export * from './v1/vault.ts';
