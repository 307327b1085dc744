import { command, need } from '../command.ts';
import { defaultDeviceName, rememberServer } from '../home.ts';
import { progress, render, UsageHelp, when } from '../output.ts';
import { password } from '../prompt.ts';

/** register, login, logout, status, password change: the account on this install. */
export const account = command(
  { email: { type: 'string' }, name: { type: 'string' } },
  async (client, [verb, sub], flags) => {
    const { json } = flags;
    const fromStdin = flags['password-stdin'];
    switch (verb) {
      case 'register': {
        const email = need(flags.email, '--email');
        await client.register(email, await password('Password', fromStdin, true), flags.name ?? defaultDeviceName());
        rememberServer(client.api.baseUrl);
        return render(() => client.status(), { json, sentence: `Registered and logged in as ${email}.` });
      }
      case 'login': {
        const email = need(flags.email, '--email');
        await client.login(email, await password('Password', fromStdin));
        rememberServer(client.api.baseUrl);
        return render(() => client.status(), { json, sentence: `Logged in as ${email}.` });
      }
      case 'logout':
        await client.logout();
        return progress('Logged out; this device keeps its keys for the next login.');
      case 'status': {
        const status = await client.status();
        return render(status, {
          json,
          text: status.loggedIn
            ? `Logged in as ${status.email} on ${status.server}\n  user    ${status.userId}\n  device  ${status.deviceId ?? '(not enrolled)'}\n  session ${status.sessionId}, until ${when(status.expiresAt)}\n`
            : `Not logged in (server ${status.server}).\n`,
        });
      }
      case 'password': {
        if (sub !== 'change') throw new UsageHelp('password');
        const current = await password('Current password', fromStdin);
        const next = await password('New password', fromStdin, true);
        await client.changePassword(current, next);
        return progress('Password changed. Other sessions were logged out; your data is unchanged.');
      }
    }
    throw new UsageHelp(verb ?? '');
  },
);
