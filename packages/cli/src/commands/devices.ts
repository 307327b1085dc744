import { refuseTampered } from '@aura/client';
import { command, need, needId } from '../command.ts';
import { rememberServer } from '../home.ts';
import { progress, render, UsageError } from '../output.ts';

/** aura device list | enroll | approve CODE | revoke ID: the installs that hold the account key. */
export const devices = command(
  { email: { type: 'string' }, name: { type: 'string' } },
  async (client, [, verb, arg], flags) => {
    const { json } = flags;
    switch (verb) {
      case 'list': {
        const report = await client.checkedDevices();
        const list = report.devices;
        const mine = client.session?.deviceId;
        await render(
          list.map((d) => ({ ...d, current: d.id === mine })),
          {
            json,
            table: list.map((d) => ({
              id: d.id,
              name: `${d.name ?? ''}${d.id === mine ? ' (this device)' : ''}`,
              fingerprint: d.fingerprint,
              state: d.revokedAt ? `revoked ${d.revokedAt.slice(0, 10)}` : 'active',
              verified: d.verification === 'verified' ? 'yes' : `NO: ${d.verification.replace('_', ' ')}`,
            })),
            columns: ['id', 'name', 'fingerprint', 'state', 'verified'],
          },
        );
        // Shown first, then refused (the same reading, not a second one): the user sees which
        // device the server tampered with.
        refuseTampered(report);
        return;
      }
      case 'enroll': {
        const ticket = await client.requestEnrollment(need(flags.email, '--email'), flags.name ?? 'aura cli');
        rememberServer(client.api.baseUrl);
        // A script reads the code from the JSON while this command still waits for the approval.
        await render(
          { enrollmentId: ticket.enrollmentId, code: ticket.code, fingerprint: ticket.fingerprint },
          { json, parts: [] },
        );
        progress(`On a device already logged in, run:\n\n    aura device approve ${ticket.code}\n`);
        progress(`This device's fingerprint: ${ticket.fingerprint}\nWaiting for approval (until ${ticket.expiresAt})…`);
        const result = await ticket.wait();
        return progress(`Approved. This device is enrolled as ${result.deviceId} and logged in.`);
      }
      case 'approve': {
        const approved = await client.approveEnrollment(need(arg, 'CODE'));
        return render(approved, {
          json,
          sentence: `Approved "${approved.name ?? 'new device'}" (fingerprint ${approved.fingerprint}). It now holds your account key.`,
        });
      }
      case 'revoke':
        await client.revokeDevice(needId(arg, 'Device', 'aura device list'));
        return progress(`Revoked ${arg}: its sessions have ended and it cannot log in again.`);
    }
    throw new UsageError('usage: aura device list|enroll|approve CODE|revoke ID');
  },
);
