import { readFileSync } from 'node:fs';
import { ImapFlow } from 'imapflow';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { SHIPPED_VERSION, specs } from '../plugins/catalog.ts';
import { dispatch } from '../plugins/dispatch.ts';
import { idFor } from '../plugins/ids.ts';
import {
  type ActionTable,
  type CredentialCheck,
  type ExecutionContext,
  type IntegrationPlugin,
  PluginError,
} from '../plugins/types.ts';
import { eventToIcs } from './ical.ts';

type Security = 'tls' | 'starttls' | 'none';
interface Endpoint {
  host: string;
  port: number;
  security: Security;
}

/** A mail server's failure in words a person can act on. */
export function mailError(error: unknown, what: string): PluginError {
  const e = error as { code?: string; responseCode?: number; authenticationFailed?: boolean; message?: string };
  const text = `${e?.code ?? ''} ${e?.message ?? String(error)}`;
  if (e?.code === 'EAUTH' || e?.authenticationFailed || /auth|invalid login|credentials/i.test(text))
    return new PluginError(`the ${what} server refused the username or password`, false);
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|ECONNRESET|ESOCKET|ETIMEOUT/i.test(text))
    return new PluginError(`cannot reach the ${what} server (${e?.code ?? e?.message})`, true);
  if (error instanceof PluginError) return error;
  return new PluginError(`the ${what} server answered: ${e?.message ?? String(error)}`, true);
}

function endpoint(value: unknown, name: string): Endpoint {
  const v = value as Partial<Endpoint> | undefined;
  if (!v || typeof v.host !== 'string' || !Number.isInteger(v.port))
    throw new PluginError(`email needs "${name}: { host, port, security }" in plugins.yaml`, false);
  const security = v.security ?? 'starttls';
  if (!['tls', 'starttls', 'none'].includes(security))
    throw new PluginError(`${name}.security is tls, starttls or none`, false);
  return { host: v.host, port: v.port as number, security };
}

/** Who a message goes to, and its id: the same on every attempt, so a mail client can tell a retried message is the same one. */
async function addressing(params: Record<string, unknown>, context: ExecutionContext) {
  const to = (Array.isArray(params.to) ? params.to : [params.to]).filter(
    (x): x is string => typeof x === 'string' && x.includes('@'),
  );
  return { to, messageId: `<${await idFor(context.idempotencyKey)}@aura.local>` };
}

/**
 * Email: sending over SMTP (nodemailer; STARTTLS or TLS, with a login) and searching and reading
 * over IMAP (imapflow). Runs in the agent with credentials from the vault. Mail that arrives is
 * read here and never blind-indexed (M14): it is other people's text, not the user's.
 */
export class EmailPlugin implements IntegrationPlugin {
  #smtp!: Endpoint;
  #imap: Endpoint | undefined;
  #from = '';
  #ca: Buffer | undefined;
  #auth: { user: string; pass: string } | undefined;

  async initialize(config: Record<string, unknown>, credentials?: Record<string, unknown>) {
    this.#smtp = endpoint(config.smtp, 'smtp');
    this.#imap = config.imap ? endpoint(config.imap, 'imap') : undefined;
    this.#ca = typeof config.caFile === 'string' ? readFileSync(config.caFile) : undefined;
    if (credentials && typeof credentials.username === 'string' && typeof credentials.password === 'string')
      this.#auth = { user: credentials.username, pass: credentials.password };
    this.#from = typeof config.from === 'string' ? config.from : (this.#auth?.user ?? '');
  }

  /** Searching and reading are offered only with an IMAP server configured. */
  get manifest() {
    return {
      name: 'email',
      version: SHIPPED_VERSION,
      description: 'email over SMTP and IMAP',
      actions: specs('email.send', 'email.send_invitation', ...(this.#imap ? ['email.search', 'email.read'] : [])),
    };
  }

  #transport() {
    if (!this.#auth) throw new PluginError('email has no credentials: run "aura plugins add email"', false);
    return nodemailer.createTransport({
      host: this.#smtp.host,
      port: this.#smtp.port,
      secure: this.#smtp.security === 'tls',
      requireTLS: this.#smtp.security === 'starttls',
      ignoreTLS: this.#smtp.security === 'none',
      auth: this.#auth,
      ...(this.#ca ? { tls: { ca: this.#ca } } : {}),
      connectionTimeout: 15_000,
    });
  }

  async #imapClient(): Promise<ImapFlow> {
    if (!this.#imap) throw new PluginError('email has no IMAP server in plugins.yaml', false);
    if (!this.#auth) throw new PluginError('email has no credentials: run "aura plugins add email"', false);
    const client = new ImapFlow({
      host: this.#imap.host,
      port: this.#imap.port,
      secure: this.#imap.security === 'tls',
      doSTARTTLS: this.#imap.security === 'starttls' ? true : this.#imap.security === 'none' ? false : undefined,
      auth: this.#auth,
      logger: false,
      ...(this.#ca ? { tls: { ca: this.#ca } } : {}),
    } as ConstructorParameters<typeof ImapFlow>[0]);
    client.on('error', () => {});
    try {
      await client.connect();
    } catch (error) {
      throw mailError(error, 'IMAP');
    }
    return client;
  }

  async validateCredentials(): Promise<CredentialCheck> {
    try {
      await this.#transport()
        .verify()
        .catch((e) => {
          throw mailError(e, 'SMTP');
        });
      if (this.#imap) {
        const client = await this.#imapClient();
        await client.logout();
      }
      return { ok: true, message: `logged in to ${this.#smtp.host}${this.#imap ? ` and ${this.#imap.host}` : ''}` };
    } catch (error) {
      return { ok: false, message: (error as Error).message };
    }
  }

  async #send(message: SendMailOptions) {
    try {
      const info = await this.#transport().sendMail({ from: this.#from, ...message });
      return { messageId: info.messageId, accepted: info.accepted };
    } catch (error) {
      throw mailError(error, 'SMTP');
    }
  }

  /** Runs `work` with the inbox locked on a fresh IMAP connection, closed after; a failure in words a person can act on. */
  async #inInbox<T>(work: (client: ImapFlow) => Promise<T>): Promise<T> {
    const client = await this.#imapClient();
    try {
      const lock = await client.getMailboxLock('INBOX');
      try {
        return await work(client);
      } finally {
        lock.release();
      }
    } catch (error) {
      throw mailError(error, 'IMAP');
    } finally {
      await client.logout().catch(() => {});
    }
  }

  readonly #actions: ActionTable = {
    'email.send': async (params, context) => {
      const { to, messageId } = await addressing(params, context);
      if (to.length === 0) throw new PluginError('no email address to send to', false);
      const subject = typeof params.subject === 'string' && params.subject ? params.subject : '(no subject)';
      const body = typeof params.body === 'string' ? params.body : '';
      return this.#send({ to, subject, text: body, messageId });
    },
    'email.send_invitation': async (params, context) => {
      const { to, messageId } = await addressing(params, context);
      const event = params.event as
        | { uid?: string; id?: string; title?: string; start?: string; end?: string }
        | undefined;
      if (!event?.start || !event.end) throw new PluginError('the invitation has no event to send', false);
      if (to.length === 0) throw new PluginError('no email address to invite', false);
      const title = event.title ?? 'Meeting';
      const ics = eventToIcs(
        { uid: event.uid ?? event.id ?? messageId, title, start: event.start, end: event.end, attendees: to },
        'REQUEST',
      );
      return this.#send({
        to,
        subject: `Invitation: ${title}`,
        text: `You are invited to "${title}" on ${new Date(event.start).toUTCString()}.`,
        icalEvent: { method: 'REQUEST', content: ics },
        messageId,
      });
    },
    'email.search': (params) =>
      this.#inInbox(async (client) => {
        const from = (Array.isArray(params.from) ? params.from : []).filter((x): x is string => typeof x === 'string');
        const query: Record<string, unknown> = {};
        if (params.unseen !== false) query.seen = false;
        if (typeof params.query === 'string' && params.query) query.body = params.query;
        const found = new Map<number, { uid: number; from: string; subject: string; date: string; seen: boolean }>();
        for (const sender of from.length ? from : [undefined]) {
          const uids = (await client.search(sender ? { ...query, from: sender } : query, { uid: true })) || [];
          if (uids.length === 0) continue;
          for await (const m of client.fetch(uids.slice(-50), { envelope: true, flags: true }, { uid: true })) {
            found.set(m.uid, {
              uid: m.uid,
              from: m.envelope?.from?.map((a) => a.address).join(', ') ?? '',
              subject: m.envelope?.subject ?? '',
              date: new Date(m.envelope?.date ?? 0).toISOString(),
              seen: m.flags?.has('\\Seen') ?? false,
            });
          }
        }
        return { messages: [...found.values()].sort((a, b) => b.date.localeCompare(a.date)) };
      }),
    'email.read': async (params) => {
      const uid = Number(params.message);
      if (!Number.isInteger(uid)) throw new PluginError('which message? (a uid from email.search)', false);
      return this.#inInbox(async (client) => {
        const m = await client.fetchOne(String(uid), { envelope: true, source: true }, { uid: true });
        if (!m) throw new PluginError('that message is not in the inbox', false);
        const source = m.source?.toString('utf8') ?? '';
        const body = source
          .split(/\r?\n\r?\n/)
          .slice(1)
          .join('\n\n')
          .slice(0, 20_000);
        return { from: m.envelope?.from?.map((a) => a.address).join(', '), subject: m.envelope?.subject, body };
      });
    },
  };

  executeAction(action: string, params: Record<string, unknown>, context: ExecutionContext) {
    return dispatch(this.#actions, action, params, context, `email cannot ${action}`);
  }
}
