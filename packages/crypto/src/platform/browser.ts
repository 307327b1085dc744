import {
  portableEd25519Sign,
  portableEd25519Verify,
  portableModPow,
  portableRandomBytes,
  portableXchachaOpen,
  portableXchachaSeal,
} from './portable.ts';
import type { Platform } from './types.ts';

export const platform: Platform = {
  name: 'browser',
  randomBytes: portableRandomBytes,
  xchachaSeal: portableXchachaSeal,
  xchachaOpen: portableXchachaOpen,
  modPow: portableModPow,
  ed25519Sign: portableEd25519Sign,
  ed25519Verify: portableEd25519Verify,
};
