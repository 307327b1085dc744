import type { CollectionName, ContextData, LearningEventData, PersonData, VaultRecord } from '@aura/client';
import { command, need, needId } from '../command.ts';
import { render, UsageError, UsageHelp, when } from '../output.ts';

/** The nouns a person types for the vault's collections. */
export const COLLECTION: Record<string, CollectionName> = { context: 'contexts', people: 'relationships' };

/** "7d", "12h", "30m" from now, or any date Date understands. */
export function parseExpiry(text: string): Date {
  const relative = text.match(/^(\d+)\s*([mhdw])$/);
  if (relative) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[relative[2] as 'm' | 'h' | 'd' | 'w'];
    return new Date(Date.now() + Number(relative[1]) * unit);
  }
  const date = new Date(text);
  if (Number.isNaN(date.getTime()))
    throw new UsageError(`--expires "${text}" is neither a duration (7d, 12h) nor a date`);
  return date;
}

function summary(record: VaultRecord): Record<string, string> {
  // Every collection's fields, each optional: one reader for a row of any collection, no cast.
  const d: Partial<ContextData & PersonData & LearningEventData> = record.data;
  const text = String(d.text ?? d.name ?? '');
  return {
    id: record.id,
    updated: when(record.updatedAt),
    ...(record.collection === 'relationships'
      ? { name: text, relationship: String(d.relationship ?? ''), email: String(d.email ?? '') }
      : { type: String(d.type ?? ''), text: text.length > 60 ? `${text.slice(0, 57)}...` : text }),
  };
}

function showRecords(records: VaultRecord[], json: boolean) {
  const columns =
    records[0]?.collection === 'relationships'
      ? ['id', 'name', 'relationship', 'email']
      : ['id', 'updated', 'type', 'text'];
  return render(records, { json, table: records.map(summary), columns });
}

/** aura context … and aura people …: encrypted records in the vault. */
export const records = command(
  {
    type: { type: 'string' },
    expires: { type: 'string' },
    relationship: { type: 'string' },
    email: { type: 'string' },
    notes: { type: 'string' },
  },
  async (client, [noun = '', verb, ...args], flags) => {
    const { json } = flags;
    const collection = COLLECTION[noun] as CollectionName;
    const vault = client.vault;
    switch (verb) {
      case 'add': {
        const text = need(args.join(' ').trim() || undefined, noun === 'people' ? 'NAME' : 'TEXT');
        const options = flags.expires ? { expiresAt: parseExpiry(flags.expires) } : {};
        const record =
          collection === 'relationships'
            ? await vault.put(
                'relationships',
                {
                  name: text,
                  ...(flags.relationship ? { relationship: flags.relationship } : {}),
                  ...(flags.email ? { email: flags.email } : {}),
                  ...(flags.notes ? { notes: flags.notes } : {}),
                },
                options,
              )
            : await vault.put('contexts', { text, ...(flags.type ? { type: flags.type } : {}) }, options);
        return render(record, {
          json,
          sentence:
            collection === 'relationships'
              ? `Added ${text} to your people (${record.id}).`
              : `Remembered, encrypted (${record.id}).`,
        });
      }
      case 'get': {
        const record = await vault.get(
          collection,
          needId(args[0], noun === 'people' ? 'Person' : 'Record', `aura ${noun} list`),
        );
        const fields = Object.entries(record.data).map(([key, value]) => `${key}: ${String(value)}\n`);
        return render(record, {
          json,
          text:
            `${fields.join('')}id: ${record.id}\nversion: ${record.version}\nupdated: ${when(record.updatedAt)}\n` +
            (record.expiresAt ? `expires: ${when(record.expiresAt)}\n` : ''),
        });
      }
      case 'list':
        return showRecords(await vault.list(collection), json);
      case 'search':
        return showRecords(await vault.search(collection, need(args.join(' ').trim() || undefined, 'WORD')), json);
      case 'rm':
        await vault.delete(collection, needId(args[0], noun === 'people' ? 'Person' : 'Record', `aura ${noun} list`));
        return render({ deleted: args[0] }, { json, sentence: `Deleted ${args[0]}.` });
    }
    throw new UsageHelp(noun);
  },
);

/** aura keys rotate context|people: a collection re-encrypted under a new key. */
export const keys = command({}, async (client, [, verb, noun], { json }) => {
  const collection = COLLECTION[noun ?? ''];
  if (verb !== 'rotate' || !collection) throw new UsageHelp('keys');
  const result = await client.vault.rotate(collection, (done, total) => {
    if (!json) process.stderr.write(`\rRe-encrypting ${done}/${total}`);
  });
  if (!json) process.stderr.write('\n');
  return render(result, {
    json,
    sentence: `The ${noun} key is now version ${result.version}; the old one is retired.`,
  });
});
