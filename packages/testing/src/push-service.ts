// A Web Push service on loopback, as a browser vendor's would answer (RFC 8030): it checks each
// message's VAPID JWT (RFC 8292) against the key it names and the audience of this origin, and
// decrypts the payload (RFC 8291, aes128gcm) with the subscription's own keys, as the browser
// would. What it received, decrypted, is kept for the test to read.
import { createECDH, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PushSubscriptionKeys {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export interface PushedMessage {
  subscription: string;
  /** When it arrived (Date.now()). */
  at: number;
  headers: Record<string, string | undefined>;
  /** The raw encrypted body, as the push service holds it. */
  body: Buffer;
  /** The payload, decrypted with the subscription's private key. */
  payload: string;
  /** The VAPID JWT's claims. */
  claims: Record<string, unknown>;
}

export interface LocalPushService {
  url: string;
  /** A new subscription, as PushManager.subscribe() would make one. */
  subscribe(): PushSubscriptionKeys;
  /** From now on this subscription answers 410 Gone (the browser unsubscribed). */
  expire(endpoint: string): void;
  received: PushedMessage[];
  /** Messages refused, with why (a bad JWT, an unknown subscription, an undecryptable body). */
  refused: { subscription: string; status: number; why: string }[];
  close(): Promise<void>;
}

const readBody = (req: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

export async function startPushService(): Promise<LocalPushService> {
  const { jwtVerify, importJWK } = await import('jose');
  const ece = await import('http_ece');
  const subscriptions = new Map<string, { ecdh: ReturnType<typeof createECDH>; auth: string; gone: boolean }>();
  const received: PushedMessage[] = [];
  const refused: LocalPushService['refused'] = [];
  let origin = '';

  const server = createServer(async (req, res) => {
    const id = /^\/push\/([0-9a-f-]{36})$/.exec(req.url ?? '')?.[1] ?? '';
    const refuse = (status: number, why: string) => {
      refused.push({ subscription: id, status, why });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(why);
    };
    const body = await readBody(req);
    const sub = subscriptions.get(id);
    if (req.method !== 'POST' || !sub) return refuse(404, 'no such subscription');
    if (sub.gone) return refuse(410, 'this subscription has expired');
    const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(req.headers.authorization ?? '');
    if (!match?.[1] || !match[2]) return refuse(401, 'Authorization must be "vapid t=<JWT>, k=<key>"');
    const raw = Buffer.from(match[2], 'base64url');
    if (raw.length !== 65 || raw[0] !== 4) return refuse(401, 'k must be an uncompressed P-256 public key');
    let claims: Record<string, unknown>;
    try {
      const key = await importJWK(
        {
          kty: 'EC',
          crv: 'P-256',
          x: raw.subarray(1, 33).toString('base64url'),
          y: raw.subarray(33).toString('base64url'),
        },
        'ES256',
      );
      const verified = await jwtVerify(match[1], key, { algorithms: ['ES256'], audience: origin });
      claims = verified.payload as Record<string, unknown>;
    } catch (error) {
      return refuse(403, `the VAPID JWT does not hold: ${(error as Error).message}`);
    }
    const exp = Number(claims.exp);
    if (!(exp > Date.now() / 1000 && exp <= Date.now() / 1000 + 24 * 3600))
      return refuse(403, 'the VAPID JWT must expire within 24 hours');
    if (typeof claims.sub !== 'string' || !/^(mailto:|https:)/.test(claims.sub))
      return refuse(403, 'the VAPID JWT needs a mailto: or https: subject');
    if (req.headers['content-encoding'] !== 'aes128gcm') return refuse(415, 'Content-Encoding must be aes128gcm');
    if (!req.headers.ttl) return refuse(400, 'a TTL header is required');
    let payload: string;
    try {
      payload = ece
        .decrypt(body, { version: 'aes128gcm', privateKey: sub.ecdh, authSecret: sub.auth })
        .toString('utf8');
    } catch (error) {
      return refuse(400, `the payload does not decrypt with this subscription's keys: ${(error as Error).message}`);
    }
    received.push({
      subscription: id,
      at: Date.now(),
      headers: {
        ttl: req.headers.ttl as string,
        urgency: req.headers.urgency as string | undefined,
        topic: req.headers.topic as string | undefined,
      },
      body,
      payload,
      claims,
    });
    res.writeHead(201, { location: `/message/${randomUUID()}` }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: origin,
    subscribe() {
      const id = randomUUID();
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16).toString('base64url');
      subscriptions.set(id, { ecdh, auth, gone: false });
      return { endpoint: `${origin}/push/${id}`, keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth } };
    },
    expire(endpoint) {
      const sub = subscriptions.get(endpoint.split('/').pop() ?? '');
      if (sub) sub.gone = true;
    },
    received,
    refused,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
