import type { IncomingHttpHeaders } from 'node:http';
import { AuraError } from '@aura/errors';

// As RFC 6455 §4.2.1 and the ws library require: a 16-byte nonce in base64, version 13 (or 8).
const KEY = /^[+/0-9A-Za-z]{22}==$/;

/**
 * The checks the ws library would make before upgrading, made first so that a refusal is an
 * AURA_INVALID_INPUT in JSON naming the header, not ws's `text/html` 400.
 */
export function checkUpgrade(headers: IncomingHttpHeaders): void {
  if (headers.upgrade?.toLowerCase() !== 'websocket') return; // a plain GET: the route's handler answers
  const refuse = (what: string) => {
    throw new AuraError('AURA_INVALID_INPUT', `the WebSocket handshake is invalid: ${what}`);
  };
  const key = headers['sec-websocket-key'];
  if (typeof key !== 'string' || !KEY.test(key.trim())) refuse('Sec-WebSocket-Key must be 16 bytes in base64');
  const version = headers['sec-websocket-version'];
  if (version !== '13' && version !== '8') refuse('Sec-WebSocket-Version must be 13');
  if (!/\bupgrade\b/i.test(String(headers.connection ?? ''))) refuse('Connection must include "Upgrade"');
}
