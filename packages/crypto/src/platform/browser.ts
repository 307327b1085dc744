import { portableModPow, portableRandomBytes, portableXchachaOpen, portableXchachaSeal } from './portable.ts';
import type { Platform } from './types.ts';

export const platform: Platform = {
  name: 'browser',
  randomBytes: portableRandomBytes,
  xchachaSeal: portableXchachaSeal,
  xchachaOpen: portableXchachaOpen,
  modPow: portableModPow,
};
