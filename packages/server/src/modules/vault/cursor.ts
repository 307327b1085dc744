import { createHmac, timingSafeEqual } from 'node:crypto';
import { AuraError } from '@aura/errors';

/** Where a page of a list ended: PostgreSQL's own text of created_at (microseconds) and the id. */
export interface Position {
  createdAt: string;
  id: string;
}

const TIMESTAMP = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?[+-]\d\d(:\d\d)?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TAG_BYTES = 16;

const refused = () =>
  new AuraError(
    'AURA_INVALID_INPUT',
    'cursor is not one this server handed out for this list; start from the first page',
  );

/**
 * List cursors are opaque to clients and MAC'd by the server, bound to the user and the
 * collection: a crafted cursor (an invalid timestamp, a non-UUID, another list's position)
 * is refused at the edge instead of reaching PostgreSQL, and what is inside stays ours to change.
 */
export class CursorCodec {
  readonly #key: Buffer;

  constructor(key: Uint8Array) {
    this.#key = Buffer.from(key);
  }

  #tag(scope: string, body: string): Buffer {
    return createHmac('sha256', this.#key).update(`aura-cursor-v1\n${scope}\n${body}`).digest().subarray(0, TAG_BYTES);
  }

  seal(scope: string, position: Position): string {
    const body = Buffer.from(JSON.stringify([position.createdAt, position.id])).toString('base64url');
    return `${body}.${this.#tag(scope, body).toString('base64url')}`;
  }

  open(scope: string, cursor: string): Position {
    const [body, tag, ...rest] = cursor.split('.');
    if (!body || !tag || rest.length) throw refused();
    const given = Buffer.from(tag, 'base64url');
    const expected = this.#tag(scope, body);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw refused();
    // Ours, so well-formed; checked again so a leaked key still cannot put junk into SQL.
    let value: unknown;
    try {
      value = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      throw refused();
    }
    if (
      !Array.isArray(value) ||
      value.length !== 2 ||
      typeof value[0] !== 'string' ||
      typeof value[1] !== 'string' ||
      !TIMESTAMP.test(value[0]) ||
      !UUID.test(value[1])
    )
      throw refused();
    return { createdAt: value[0], id: value[1] };
  }
}
