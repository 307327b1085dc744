import { AuraError, type ErrorCode, errorCodes } from '@aura/errors';

export interface Tokens {
  accessToken: string;
  refreshToken: string;
}

const errorHeaders = new WeakMap<object, Headers>();

/** The headers of the answer an error came from (the vault's log size rides on a 404 too). */
export const headersOf = (error: unknown): Headers | undefined =>
  typeof error === 'object' && error !== null ? errorHeaders.get(error) : undefined;

/**
 * JSON over fetch with Aura's error shape. A 401 for an expired access token is answered by
 * one refresh and one retry; anything the server says is turned into an AuraError with the
 * server's code, or AURA_SERVER_MISBEHAVED when the answer is not one Aura gives.
 */
export class Api {
  tokens: Tokens | undefined;
  onTokens: (tokens: Tokens | undefined) => Promise<void> = async () => {};

  constructor(readonly baseUrl: string) {}

  async request<T>(method: string, path: string, body?: unknown, options: { auth?: boolean } = {}): Promise<T> {
    return (await this.exchange<T>(method, path, body, options)).body;
  }

  /** Like request, with the answer's headers. */
  async exchange<T>(
    method: string,
    path: string,
    body?: unknown,
    options: { auth?: boolean } = {},
  ): Promise<{ body: T; headers: Headers }> {
    const auth = options.auth ?? true;
    let response = await this.#send(method, path, body, auth);
    if (response.status === 401 && auth && this.tokens) {
      const error = await response
        .clone()
        .json()
        .catch(() => undefined);
      if (error?.error?.code === 'AURA_UNAUTHENTICATED' && (await this.#refresh())) {
        response = await this.#send(method, path, body, auth);
      }
    }
    return { body: await this.#parse<T>(response), headers: response.headers };
  }

  async #send(method: string, path: string, body: unknown, auth: boolean): Promise<Response> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (auth) {
      if (!this.tokens)
        throw new AuraError('AURA_NOT_LOGGED_IN', 'this device is not logged in; run "aura login" first');
      headers.authorization = `Bearer ${this.tokens.accessToken}`;
    }
    try {
      return await fetch(`${this.baseUrl}${path}`, {
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

  async #parse<T>(response: Response): Promise<T> {
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      throw new AuraError(
        'AURA_SERVER_MISBEHAVED',
        `the server answered ${response.status} with a body that is not JSON`,
      );
    }
    if (response.ok) return json as T;
    const code = (json as { error?: { code?: string } })?.error?.code;
    const message = (json as { error?: { message?: string } })?.error?.message ?? `HTTP ${response.status}`;
    if (code && code in errorCodes) {
      const error = new AuraError(code as ErrorCode, message);
      errorHeaders.set(error, response.headers);
      const retryAfter = response.headers.get('retry-after');
      if (retryAfter) (error as AuraError & { retryAfter?: number }).retryAfter = Number(retryAfter);
      throw error;
    }
    throw new AuraError('AURA_SERVER_MISBEHAVED', `the server answered ${response.status} without an Aura error code`);
  }

  async #refresh(): Promise<boolean> {
    if (!this.tokens) return false;
    const response = await this.#send(
      'POST',
      '/api/v1/auth/refresh',
      { refreshToken: this.tokens.refreshToken },
      false,
    );
    if (!response.ok) {
      this.tokens = undefined;
      await this.onTokens(undefined);
      return false;
    }
    const pair = (await response.json()) as Tokens;
    this.tokens = { accessToken: pair.accessToken, refreshToken: pair.refreshToken };
    await this.onTokens(this.tokens);
    return true;
  }
}
