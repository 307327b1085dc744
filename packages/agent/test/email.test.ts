import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DOVECOT, type Imap, OPENSSL, type Smtp, skipUnless, startDovecot, startSmtp } from '@aura/testing';
import { PluginError } from '../src/index.ts';
import { EmailPlugin } from '../src/integrations/email.ts';

// The email plugin against real servers: smtp-server (STARTTLS + login) and Dovecot (IMAPS).
let smtp: Smtp;
let imap: Imap;
let plugin: EmailPlugin;
const ctx = (key: string) => ({ taskId: 'mail', stepId: key, idempotencyKey: `mail/${key}` });
const config = () => ({
  smtp: { host: '127.0.0.1', port: smtp.port, security: 'starttls' },
  imap: { host: '127.0.0.1', port: imap.port, security: 'tls' },
  from: 'alice@example.com',
  caFile: smtp.caFile,
});

const skip = skipUnless(DOVECOT, OPENSSL);
before(async () => {
  if (skip) return;
  smtp = await startSmtp();
  imap = await startDovecot();
  plugin = new EmailPlugin();
  // One login for both servers here; the CA file trusts the test servers' own certificate.
  await plugin.initialize({ ...config(), caFile: smtp.caFile }, { username: smtp.username, password: smtp.password });
});
after(async () => {
  await smtp?.stop();
  await imap?.stop();
});

describe('email (SMTP + IMAP)', { skip }, () => {
  it('"email Sarah the notes": sent over STARTTLS with a login', async () => {
    const sent = (await plugin.executeAction(
      'email.send',
      { to: ['sarah@example.com'], subject: 'The notes', body: 'Here are the notes.' },
      ctx('send'),
    )) as { accepted: string[] };
    assert.deepEqual(sent.accepted, ['sarah@example.com']);
    const mail = smtp.received.at(-1);
    assert.deepEqual(mail?.to, ['sarah@example.com']);
    assert.match(mail?.raw ?? '', /Subject: The notes/);
    assert.match(mail?.raw ?? '', /Here are the notes\./);
    assert.match(mail?.raw ?? '', /Message-ID: <[0-9a-f-]+@aura\.local>/);
  });

  it('an invitation carries the event as text/calendar (METHOD:REQUEST) with the same UID', async () => {
    await plugin.executeAction(
      'email.send_invitation',
      {
        to: ['john@example.com'],
        event: {
          uid: 'evt-1',
          title: 'Meeting with John',
          start: '2030-01-10T15:00:00.000Z',
          end: '2030-01-10T15:30:00.000Z',
        },
      },
      ctx('invite'),
    );
    const raw = (smtp.received.at(-1)?.raw ?? '').replace(/=\r?\n/g, '');
    assert.match(raw, /Subject: Invitation: Meeting with John/);
    assert.match(raw, /text\/calendar; charset=utf-8; method=REQUEST/i);
    assert.match(raw, /UID:evt-1/);
  });

  it('"do I have new mail from John": searches and reads the inbox over IMAP', async () => {
    const reader = new EmailPlugin();
    await reader.initialize({ ...config(), caFile: imap.caFile }, { username: imap.username, password: imap.password });
    imap.deliver({ from: 'john@example.com', subject: 'Budget', body: 'The budget is attached.' });
    imap.deliver({ from: 'someone@example.com', subject: 'Other', body: 'Not from John.' });
    const found = (await reader.executeAction('email.search', { from: ['john@example.com'] }, ctx('search'))) as {
      messages: { uid: number; from: string; subject: string }[];
    };
    assert.deepEqual(
      found.messages.map((m) => [m.from, m.subject]),
      [['john@example.com', 'Budget']],
    );
    const read = (await reader.executeAction(
      'email.read',
      { message: String(found.messages[0]?.uid) },
      ctx('read'),
    )) as {
      body: string;
    };
    assert.match(read.body, /The budget is attached\./);
  });

  it('a wrong password and a server that is down are errors a person understands', async () => {
    const wrong = new EmailPlugin();
    await wrong.initialize({ ...config(), imap: undefined }, { username: smtp.username, password: 'nope' });
    const check = await wrong.validateCredentials();
    assert.equal(check.ok, false);
    assert.match(check.message, /SMTP server refused the username or password/);
    const down = new EmailPlugin();
    await down.initialize(
      { smtp: { host: '127.0.0.1', port: 9, security: 'starttls' } },
      { username: 'a', password: 'b' },
    );
    await assert.rejects(
      () => down.executeAction('email.send', { to: ['x@example.com'], subject: 's', body: 'b' }, ctx('down')),
      (e: unknown) => e instanceof PluginError && /cannot reach the SMTP server/.test(e.message) && e.retryable,
    );
  });
});
