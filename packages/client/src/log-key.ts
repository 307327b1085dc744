import { type LogKey, verifyKeyRotation } from '@aura/crypto/merkle';
import { type AuditLogKey, fromBase64, toBase64 } from '@aura/protocol';
import type { AuditPin } from './audit.ts';

/**
 * The pin moved to the key the server signs with now, when the server's rotations lead there from
 * the pinned key, each signed by the key it retired; undefined when they do not (a key swapped
 * without the old one's consent: the log is refused). Rotations from before the pinned key are
 * passed over: a device that pinned a later key never needs them.
 */
export function followRotations(pin: AuditPin, served: AuditLogKey): AuditPin | undefined {
  if (pin.origin !== served.origin) return undefined;
  let current: LogKey = { name: pin.name, publicKey: fromBase64(pin.publicKey) };
  for (const note of served.rotations) {
    let step: ReturnType<typeof verifyKeyRotation>;
    try {
      step = verifyKeyRotation(note, current);
    } catch {
      return undefined;
    }
    if (step) current = step.next;
  }
  if (current.name !== served.name || toBase64(current.publicKey) !== served.publicKey) return undefined;
  return { ...pin, name: current.name, publicKey: served.publicKey };
}

/** The key a pin's checkpoints verify under: what verifyCheckpoint takes. */
export const pinnedKey = (pin: AuditPin) => ({
  origin: pin.origin,
  name: pin.name,
  publicKey: fromBase64(pin.publicKey),
});

/** Whether the server still signs with the pinned key. */
export const samePin = (pin: AuditPin, served: AuditLogKey): boolean =>
  pin.name === served.name && pin.publicKey === served.publicKey && pin.origin === served.origin;
