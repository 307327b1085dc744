import { command, need, needId } from '../command.ts';
import { progress, render, UsageError, UsageHelp, when } from '../output.ts';

/** aura calendar …: the built-in local calendar (events encrypted in the vault). */
export const calendar = command(
  { at: { type: 'string' }, minutes: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } },
  async (client, [, verb, ...args], flags) => {
    const { json } = flags;
    const { LocalCalendar, extractSlots, personalContext } = await import('@aura/assistant');
    const cal = new LocalCalendar(client.vault);
    const { applied } = await personalContext(client.vault);
    const zone = applied.preferences.timeZone;
    switch (verb) {
      case 'add': {
        const title = need(args[0], 'TITLE');
        const at = need(flags.at, '--at WHEN (e.g. "tomorrow at 3pm" or an ISO time)');
        const parsed = Number.isNaN(Date.parse(at)) ? extractSlots(at, new Date(), zone).when?.start : at;
        if (!parsed) throw new UsageError(`cannot read "${at}" as a time; try "friday at 10am" or 2026-12-01T10:00`);
        const minutes = Number(flags.minutes ?? applied.preferences.defaultMeetingMinutes ?? 30);
        if (!Number.isInteger(minutes) || minutes <= 0 || minutes > 24 * 60)
          throw new UsageError('--minutes wants a whole number of minutes between 1 and 1440');
        const start = new Date(parsed);
        const event = await cal.create({
          title,
          start: start.toISOString(),
          end: new Date(start.getTime() + minutes * 60_000).toISOString(),
          attendees: [],
        });
        return render(event, {
          json,
          sentence: `Added "${title}" on ${when(start, { relative: false })} (${event.id}).`,
        });
      }
      case 'list': {
        const from = flags.from ? new Date(flags.from) : new Date(Date.now() - 24 * 3_600_000);
        const to = flags.to ? new Date(flags.to) : new Date(from.getTime() + 30 * 24 * 3_600_000);
        if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()))
          throw new UsageError('--from and --to want ISO dates such as 2026-12-01');
        const events = await cal.eventsBetween(from.toISOString(), to.toISOString());
        return render(events, {
          json,
          table: events.map((e) => ({
            id: e.id,
            start: when(e.start, { relative: false }),
            end: when(e.end, { relative: false }),
            title: e.title,
          })),
          columns: ['id', 'start', 'end', 'title'],
        });
      }
      case 'rm':
        await cal.remove(needId(args[0], 'Event', 'aura calendar list'));
        return progress('Removed.');
      case 'export':
        process.stdout.write(await cal.exportIcs());
        return;
    }
    throw new UsageHelp('calendar');
  },
);
