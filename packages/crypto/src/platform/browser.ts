import {
  portableEd25519Sign,
  portableEd25519Verify,
  portableModPow,
  portableRandomBytes,
  portableSha256,
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
  sha256: portableSha256,
  ed25519Sign: portableEd25519Sign,
  ed25519Verify: portableEd25519Verify,
};
