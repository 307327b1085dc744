import { platform } from '#platform';
import { checkedXchacha } from './aead.ts';

/** XChaCha20-Poly1305 decryption on this platform's engine: client code only (see aead.ts). */
export const xchachaOpen = checkedXchacha(platform.xchachaSeal, platform.xchachaOpen).open;
