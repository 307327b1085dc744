export { AuraError, isAuraError } from './aura-error.ts';
export { type ErrorCode, errorCodes } from './codes.ts';
