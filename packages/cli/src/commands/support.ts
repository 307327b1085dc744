import type { CollectionName } from '@aura/client';
import { command, need, needId } from '../command.ts';
import { jsonText, progress, render, UsageError, UsageHelp, when } from '../output.ts';
import { confirm } from '../prompt.ts';

const CATEGORY: Record<string, CollectionName> = {
  context: 'contexts',
  contexts: 'contexts',
  people: 'relationships',
  relationships: 'relationships',
  'learning-events': 'learning-events',
};

/** aura support …: a support agent asks for access; the user grants, lists and revokes it. */
export const support = command(
  {
    ticket: { type: 'string' },
    categories: { type: 'string' },
    hours: { type: 'string' },
    yes: { type: 'boolean', default: false },
    name: { type: 'string' },
    'operator-signature': { type: 'string' },
    user: { type: 'string' },
  },
  async (client, [, verb, arg], flags) => {
    const { json } = flags;
    const support = client.support;
    switch (verb) {
      case 'request': {
        const { id } = await support.requestAccess(need(arg, 'USER (email)'), need(flags.ticket, '--ticket'));
        return render({ id }, { json, sentence: `Access requested (${id}); the user sees it in "aura support list".` });
      }
      case 'grant': {
        const categories = need(flags.categories, '--categories')
          .split(',')
          .map(
            (c) =>
              CATEGORY[c.trim()] ??
              (() => {
                throw new UsageError(`unknown category "${c}" (context, people, learning-events)`);
              })(),
          );
        const hours = flags.hours ? Number(flags.hours) : 24;
        if (!(hours > 0 && hours <= 24 * 30)) throw new UsageError('--hours must be a number of hours up to 720');
        const granted = await support.grant(need(arg, 'AGENT (id)'), categories, {
          hours,
          confirm: ({ name, fingerprint }) =>
            confirm(
              `Grant "${name}" (key fingerprint ${fingerprint}) read access to ${categories.join(', ')} for ${hours} h?`,
              flags.yes,
            ),
        });
        return render(granted, {
          json,
          sentence:
            `Granted "${granted.agent}" (fingerprint ${granted.agentFingerprint}) read access to ${categories.join(', ')}: ` +
            `${granted.records} records until ${when(granted.validUntil, { relative: false })}. Revoke with: aura support revoke ${granted.grantId}`,
        });
      }
      case 'list': {
        const [requests, grants] = await Promise.all([support.requests(), support.grants()]);
        return render(
          { requests, grants },
          {
            json,
            parts: [
              { text: 'Requests\n' },
              {
                table: requests.map((r) => ({
                  id: r.id,
                  agent: `${r.agent.name} (${r.agent.id})`,
                  ticket: r.ticket,
                  status: r.status,
                })),
                columns: ['id', 'agent', 'ticket', 'status'],
              },
              { text: '\nGrants\n' },
              {
                table: grants.map((g) => ({
                  id: g.id,
                  agent: g.agentId,
                  categories: g.categories.join(','),
                  until: when(g.validUntil, { relative: false }),
                  state: g.revokedAt ? 'revoked' : 'active',
                })),
                columns: ['id', 'agent', 'categories', 'until', 'state'],
              },
            ],
          },
        );
      }
      case 'revoke':
        await support.revoke(needId(arg, 'Grant', 'aura support list'));
        return progress(
          `Revoked ${arg}: the copies are deleted and the agent can no longer read them. What was read stays read.`,
        );
      case 'read': {
        // Grant ids are unique per user: --user names the grant's user if two chose the same id.
        const result = await support.read(
          needId(arg, 'Grant', 'aura support list'),
          flags.user ? { userId: flags.user } : {},
        );
        // The records are the answer either way; --json adds what the grant is.
        return render(result, { json, text: jsonText(result.records) });
      }
      case 'agent-register': {
        const info = await support.registerAsAgent(
          need(flags.name, '--name'),
          need(flags['operator-signature'], '--operator-signature'),
        );
        return render(info, { json, sentence: `This account is now support agent ${info.id}.` });
      }
    }
    throw new UsageHelp('support');
  },
);
