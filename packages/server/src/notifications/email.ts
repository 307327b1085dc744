import { readFileSync } from 'node:fs';
import type { LoggedEvent } from '@aura/protocol';
import type { FastifyBaseLogger } from 'fastify';
import nodemailer, { type Transporter } from 'nodemailer';
import type pg from 'pg';
import type { NotificationChannel } from './channel.ts';
import { recordDelivery } from './push-repository.ts';

/** Only what waits for the person: an email for every step done would be noise. */
const EMAILED = new Set(['task.approval_requested', 'device.enrollment_requested', 'support.access_requested']);

const SUBJECTS: Record<string, string> = {
  'task.approval_requested': 'Aura: a step waits for your approval',
  'device.enrollment_requested': 'Aura: a new device asks to join your account',
  'support.access_requested': 'Aura: support asks for access',
};

/**
 * Email through the server's relay (AURA_SMTP_URL), to accounts that turned it on. An email
 * holds a link and no content: what waits is read in Aura, on a device that has the keys.
 */
export class EmailChannel implements NotificationChannel {
  readonly name = 'email' as const;
  readonly #transport: Transporter;

  constructor(
    private readonly pool: pg.Pool,
    options: { smtpUrl: string; caFile?: string | undefined; from: string; publicUrl: string },
    private readonly log: FastifyBaseLogger,
  ) {
    const ca = options.caFile ? readFileSync(options.caFile) : undefined;
    this.#transport = nodemailer.createTransport(
      { url: options.smtpUrl, ...(ca ? { tls: { ca } } : {}), connectionTimeout: 15_000 },
      { from: options.from },
    );
    this.#link = options.publicUrl;
  }

  readonly #link: string;

  wants(event: LoggedEvent): boolean {
    return EMAILED.has(event.type);
  }

  async send(userId: string, event: LoggedEvent): Promise<void> {
    const { rows } = await this.pool.query<{ email: string }>(
      'SELECT email FROM users WHERE id = $1 AND email_notices',
      [userId],
    );
    const to = rows[0]?.email;
    if (!to) return;
    const text = `${SUBJECTS[event.type] ?? 'Aura: something needs you'}.\n\nOpen Aura to see it: ${this.#link}/\n\nThis email holds no details on purpose: only your devices can read them.\n`;
    const base = { eventId: event.id, userId, channel: 'email' as const };
    try {
      await this.#transport.sendMail({ to, subject: SUBJECTS[event.type] ?? 'Aura', text });
      await recordDelivery(this.pool, { ...base, outcome: 'sent' });
    } catch (error) {
      const detail = (error as Error).message;
      this.log.warn({ detail }, 'an email notice was not sent');
      await recordDelivery(this.pool, { ...base, outcome: 'failed', detail });
    }
  }

  close(): void {
    this.#transport.close();
  }
}
