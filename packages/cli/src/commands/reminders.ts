import { command, need, needId } from '../command.ts';
import { progress, render, UsageError, UsageHelp, when } from '../output.ts';

/** aura reminders …: reminders and to-dos (a reminder without a time), encrypted in the vault. */
export const reminders = command(
  { at: { type: 'string' }, all: { type: 'boolean' } },
  async (client, [, verb, ...args], flags) => {
    const { json } = flags;
    const { RemindersPlugin } = await import('@aura/agent');
    const { extractSlots, personalContext } = await import('@aura/assistant');
    const plugin = new RemindersPlugin(client.vault);
    switch (verb) {
      case undefined:
      case 'list': {
        const all = (await plugin.list()).filter((r) => flags.all || !r.done);
        if (all.length === 0)
          return render(all, { json, sentence: flags.all ? 'No reminders.' : 'Nothing to do: no open reminders.' });
        return render(all, {
          json,
          table: all.map((r) => ({
            id: r.id,
            when: r.at ? when(r.at, { relative: false }) : 'to-do',
            done: r.done ? 'yes' : '',
            text: r.text,
          })),
          columns: ['id', 'when', ...(flags.all ? ['done'] : []), 'text'],
        });
      }
      case 'add': {
        const text = need(args.join(' ') || undefined, 'TEXT');
        let at: string | null = null;
        if (flags.at) {
          const zone = (await personalContext(client.vault)).applied.preferences.timeZone;
          at = Number.isNaN(Date.parse(flags.at))
            ? (extractSlots(flags.at, new Date(), zone).when?.start ?? null)
            : flags.at;
          if (!at)
            throw new UsageError(`cannot read "${flags.at}" as a time; try "friday at 10am" or 2026-12-01T10:00`);
        }
        const id = crypto.randomUUID();
        const made = await plugin.executeAction(
          'reminders.create',
          { text, at },
          { taskId: id, stepId: 'cli', idempotencyKey: id },
        );
        const madeId = typeof made === 'object' && made !== null && 'id' in made ? String(made.id) : id;
        return render(made, {
          json,
          sentence: at
            ? `Reminder set for ${when(at, { relative: false })}: ${text} (${madeId}).`
            : `Added to your to-dos: ${text} (${madeId}).`,
        });
      }
      case 'done': {
        await plugin.done(needId(args[0], 'Reminder', 'aura reminders list'));
        return progress('Done.');
      }
    }
    throw new UsageHelp('reminders');
  },
);
