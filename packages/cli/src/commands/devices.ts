import { refuseTampered } from '@aura/client';
import { command, need, needId } from '../command.ts';
import { defaultDeviceName, rememberServer } from '../home.ts';
import { progress, render, UsageHelp, when } from '../output.ts';
import { confirm } from '../prompt.ts';

/** aura device list | enroll | approve CODE | revoke ID: the installs that hold the account key. */
export const devices = command(
  { email: { type: 'string' }, name: { type: 'string' }, yes: { type: 'boolean', default: false } },
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
              state: d.revokedAt ? `revoked ${when(d.revokedAt)}` : 'active',
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
        const ticket = await client.requestEnrollment(need(flags.email, '--email'), flags.name ?? defaultDeviceName());
        rememberServer(client.api.baseUrl);
        // A script reads the code from the JSON while this command still waits for the approval.
        await render(
          { enrollmentId: ticket.enrollmentId, code: ticket.code, fingerprint: ticket.fingerprint },
          { json, parts: [] },
        );
        progress(`On a device already logged in, run:\n\n    aura device approve ${ticket.code}\n`);
        progress(
          `This device's fingerprint: ${ticket.fingerprint}\nWaiting for approval (until ${when(ticket.expiresAt)})…`,
        );
        const result = await ticket.wait();
        return progress(`Approved. This device is enrolled as ${result.deviceId} and logged in.`);
      }
      case 'approve': {
        const code = need(arg, 'CODE');
        // The person compares the fingerprint the new device shows with the one computed here from
        // the keys the server hands over: a server that swapped them in is caught before the key goes.
        const pending = await client.pendingEnrollments();
        const asking = pending.find((p) => p.code.replace(/[^0-9a-z]/gi, '') === code.replace(/[^0-9a-z]/gi, ''));
        if (asking) {
          if (!json || !flags.yes)
            progress(
              `"${asking.name ?? 'new device'}" asks to join your account.\n` +
                `  Its fingerprint: ${asking.fingerprint}\n` +
                'Approving gives it your account key: everything you keep in Aura.',
            );
          if (!(await confirm('Does the new device show the same fingerprint?', flags.yes)))
            return progress('Not approved; nothing was sent. Run the command again once you have compared them.');
        }
        const approved = await client.approveEnrollment(code, asking ? { fingerprint: asking.fingerprint } : {});
        return render(approved, {
          json,
          sentence: `Approved "${approved.name ?? 'new device'}" (fingerprint ${approved.fingerprint}). It now holds your account key.`,
        });
      }
      case 'revoke':
        await client.revokeDevice(needId(arg, 'Device', 'aura device list'));
        return progress(`Revoked ${arg}: its sessions have ended and it cannot log in again.`);
    }
    throw new UsageHelp('device');
  },
);
