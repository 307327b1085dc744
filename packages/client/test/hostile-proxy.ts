import { createServer, type Server } from 'node:http';

export type Tamper = (
  request: { method: string; path: string; body: unknown },
  response: { status: number; body: unknown },
) => { status: number; body: unknown } | undefined;

/**
 * A hostile server for the client: a proxy in front of the real one that can rewrite any
 * JSON answer. What a compromised or malicious operator could do, made testable.
 */
export async function hostileProxy(
  upstream: string,
): Promise<{ url: string; tamper: Tamper | undefined; close(): Promise<void> }> {
  const state: { tamper: Tamper | undefined } = { tamper: undefined };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString();
    const headers: Record<string, string> = {};
    for (const name of ['authorization', 'content-type']) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const upstreamResponse = await fetch(`${upstream}${req.url}`, {
      method: req.method,
      headers,
      ...(raw ? { body: raw } : {}),
    });
    const text = await upstreamResponse.text();
    let answer = { status: upstreamResponse.status, body: text ? JSON.parse(text) : undefined };
    const changed = state.tamper?.(
      { method: req.method ?? 'GET', path: req.url ?? '/', body: raw ? JSON.parse(raw) : undefined },
      answer,
    );
    if (changed) answer = changed;
    // The log size a vault answer was read at travels as a header (a hostile server may lie in it too).
    const forwarded: Record<string, string> = { 'content-type': 'application/json' };
    const logSize = upstreamResponse.headers.get('aura-log-size');
    if (logSize !== null) forwarded['aura-log-size'] = logSize;
    res.writeHead(answer.status, forwarded);
    res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    get tamper() {
      return state.tamper;
    },
    set tamper(t) {
      state.tamper = t;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
