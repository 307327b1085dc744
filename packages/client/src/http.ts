import { AuraError } from '@aura/errors';
import { ErrorBody, problemsOf, TokenPair, type WireSchema } from '@aura/protocol';

export interface Tokens {
  accessToken: string;
  refreshToken: string;
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

interface CallOptions {
  auth?: boolean;
}

/** What the client reads of an answer's headers: fetch's Headers, or the Node transport's. */
export interface AnswerHeaders {
  get(name: string): string | null;
}

/** An HTTP answer as the client reads it: fetch's Response has this, and so does the Node transport's. */
export interface Answer {
  readonly status: number;
  readonly ok: boolean;
  readonly headers: AnswerHeaders;
  text(): Promise<string>;
}

/** How requests go out: fetch by default; a Node process may pass node:http instead (src/node.ts). */
export type Transport = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
) => Promise<Answer>;

export const fetchTransport: Transport = (url, init) => fetch(url, init);

const errorHeaders = new WeakMap<object, AnswerHeaders>();

/** The headers of the answer an error came from (the vault's log size rides on a 404 too). */
export const headersOf = (error: unknown): AnswerHeaders | undefined =>
  typeof error === 'object' && error !== null ? errorHeaders.get(error) : undefined;

/** The route an answer belongs to, for messages: the query (cursors, sizes) says nothing more. */
const routeOf = (method: string, path: string) => `${method} ${path.split('?')[0]}`;

const misbehaved = (what: string) => new AuraError('AURA_SERVER_MISBEHAVED', `${what}; nothing from it was used`);

/**
 * JSON over fetch with Aura's error shape. Every answer is parsed with the schema its route
 * has in @aura/protocol: what does not fit is AURA_SERVER_MISBEHAVED, never a crash further on.
 * A 401 for an expired access token is answered by one refresh and one retry; an error body is
 * turned into an AuraError with the server's code when it is one Aura gives.
 */
export class Api {
  tokens: Tokens | undefined;
  onTokens: (tokens: Tokens | undefined) => Promise<void> = async () => {};

  constructor(
    readonly baseUrl: string,
    private readonly transport: Transport = fetchTransport,
  ) {}

  get<T>(path: string, schema: WireSchema<T>, options?: CallOptions): Promise<T> {
    return this.#body('GET', path, schema, undefined, options);
  }

  post<T>(path: string, schema: WireSchema<T>, body?: unknown, options?: CallOptions): Promise<T> {
    return this.#body('POST', path, schema, body, options);
  }

  put<T>(path: string, schema: WireSchema<T>, body: unknown, options?: CallOptions): Promise<T> {
    return this.#body('PUT', path, schema, body, options);
  }

  delete<T>(path: string, schema: WireSchema<T>, body?: unknown, options?: CallOptions): Promise<T> {
    return this.#body('DELETE', path, schema, body, options);
  }

  /** Like the calls above, with the answer's headers. */
  async exchange<T>(
    method: Method,
    path: string,
    schema: WireSchema<T>,
    body?: unknown,
    options: CallOptions = {},
  ): Promise<{ body: T; headers: AnswerHeaders }> {
    return this.#call(method, path, schema, body, options);
  }

  /**
   * The answer as the server sent it, its shape unchecked (errors and non-JSON are still
   * refused): for tools and tests that look at what a server says. The SDK itself never uses it.
   */
  async request<T = unknown>(method: Method, path: string, body?: unknown, options: CallOptions = {}): Promise<T> {
    return (await this.#call(method, path, null, body, options)).body as T;
  }

  async #body<T>(method: Method, path: string, schema: WireSchema<T>, body: unknown, options: CallOptions = {}) {
    return (await this.#call(method, path, schema, body, options)).body;
  }

  async #call<T>(
    method: Method,
    path: string,
    schema: WireSchema<T> | null,
    body: unknown,
    options: CallOptions,
  ): Promise<{ body: T; headers: AnswerHeaders }> {
    const auth = options.auth ?? true;
    const route = routeOf(method, path);
    let response = await this.#send(method, path, body, auth);
    let text = await textOf(route, response);
    if (response.status === 401 && auth && this.tokens) {
      const error = ErrorBody.safeParse(parseOrUndefined(text));
      if (error.success && error.data.error.code === 'AURA_UNAUTHENTICATED' && (await this.#refresh())) {
        response = await this.#send(method, path, body, auth);
        text = await textOf(route, response);
      }
    }
    // A server that says "not now, in N seconds" (429 rate limited, 503 busy or starting) did
    // nothing with the request: it is sent once more after that wait, if the wait is short.
    const wait = retryAfterSeconds(response);
    if (wait !== undefined) {
      await new Promise((resolve) => setTimeout(resolve, wait * 1000));
      response = await this.#send(method, path, body, auth);
      text = await textOf(route, response);
    }
    return { body: this.#read(route, response, text, schema), headers: response.headers };
  }

  async #send(method: Method, path: string, body: unknown, auth: boolean): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (auth) {
      if (!this.tokens)
        throw new AuraError('AURA_NOT_LOGGED_IN', 'this device is not logged in; run "aura login" first');
      headers.authorization = `Bearer ${this.tokens.accessToken}`;
    }
    try {
      return await this.transport(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (cause) {
      throw new AuraError(
        'AURA_SERVER_UNREACHABLE',
        `cannot reach the Aura server at ${this.baseUrl}: is it running ("npm start"), or is --server wrong?`,
        { cause },
      );
    }
  }

  /** The answer's body parsed with `schema` (null: any JSON), or the error it carries. */
  #read<T>(route: string, response: Answer, text: string, schema: WireSchema<T> | null): T {
    let json: unknown;
    // A 204 has no body, whatever came with it.
    if (response.status !== 204 && text) {
      try {
        json = JSON.parse(text);
      } catch {
        throw misbehaved(`the server answered ${response.status} to ${route} with a body that is not JSON`);
      }
    }
    if (!response.ok) throw this.#error(route, response, json);
    if (!schema) return json as T;
    let parsed: ReturnType<WireSchema<T>['safeParse']>;
    try {
      parsed = schema.safeParse(json);
    } catch (error) {
      throw misbehaved(`the server's answer to ${route} could not be read (${String(error)})`);
    }
    if (!parsed.success) {
      throw misbehaved(`the server's answer to ${route} is not the protocol's (${problemsOf(parsed.error)})`);
    }
    return parsed.data;
  }

  #error(route: string, response: Answer, json: unknown): AuraError {
    const parsed = ErrorBody.safeParse(json);
    if (!parsed.success) return misbehaved(`the server answered ${response.status} to ${route} without an Aura error`);
    const error = new AuraError(parsed.data.error.code, parsed.data.error.message);
    errorHeaders.set(error, response.headers);
    const retryAfter = response.headers.get('retry-after');
    if (retryAfter) (error as AuraError & { retryAfter?: number }).retryAfter = Number(retryAfter);
    return error;
  }

  async #refresh(): Promise<boolean> {
    if (!this.tokens) return false;
    const path = '/api/v1/auth/refresh';
    const response = await this.#send('POST', path, { refreshToken: this.tokens.refreshToken }, false);
    if (!response.ok) {
      this.tokens = undefined;
      await this.onTokens(undefined);
      return false;
    }
    const route = routeOf('POST', path);
    const pair = this.#read(route, response, await textOf(route, response), TokenPair);
    this.tokens = { accessToken: pair.accessToken, refreshToken: pair.refreshToken };
    await this.onTokens(this.tokens);
    return true;
  }
}

/** The longest Retry-After the SDK waits out by itself; a longer one is the caller's to decide. */
export const MAX_RETRY_WAIT_SECONDS = 30;

/** The whole body of an answer; a connection that breaks during it is the server unreachable. */
async function textOf(route: string, response: Answer): Promise<string> {
  try {
    return await response.text();
  } catch (cause) {
    throw new AuraError('AURA_SERVER_UNREACHABLE', `the connection broke during the answer to ${route}`, { cause });
  }
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Seconds to wait before one retry, for a 429 or 503 that names a short wait in seconds. */
function retryAfterSeconds(response: Answer): number | undefined {
  if (response.status !== 429 && response.status !== 503) return undefined;
  const header = response.headers.get('retry-after')?.trim();
  if (!header || !/^\d{1,6}$/.test(header)) return undefined;
  const seconds = Number(header);
  return seconds <= MAX_RETRY_WAIT_SECONDS ? seconds : undefined;
}
