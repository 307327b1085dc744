import { AuraError } from '@aura/errors';
import { command } from '../command.ts';
import { render, UsageHelp, when } from '../output.ts';

/** aura audit log | verify: everything that happened to the account, checked on this device. */
export const audit = command({}, async (client, [, verb], { json }) => {
  if (verb === 'verify') {
    const report = await client.audit.verify();
    await render(report, {
      json,
      text: report.valid
        ? `Verified: ${report.entriesChecked} entries, every one proven in the signed log (root ${report.merkleRoot}).\n`
        : report.issues.map((issue) => `INTEGRITY FAILURE (${issue.type}): ${issue.detail}\n`).join(''),
    });
    if (!report.valid)
      throw new AuraError(
        'AURA_AUDIT_INTEGRITY',
        'the audit log did not verify: the server rewrote, truncated or forked it',
      );
    return;
  }
  if (verb !== 'log') throw new UsageHelp('audit');
  const { entries } = await client.audit.entries();
  return render(entries, {
    json,
    parts: [
      {
        table: entries.map((e) => ({
          '#': String(e.index),
          time: when(e.timestamp),
          event: e.eventType,
          action: e.action,
          result: e.result,
          by: `${e.actorType} ${e.actorId.slice(0, 8)}`,
          details: e.details
            ? Object.entries(e.details)
                .map(([k, v]) => `${k}=${String(v)}`)
                .join(' ')
            : '',
        })),
        columns: ['#', 'time', 'event', 'action', 'result', 'by', 'details'],
      },
      { text: `All ${entries.length} entries verified against the signed checkpoint.\n` },
    ],
  });
});
