import { join } from 'node:path';
import {
  type AuraClient,
  type CollectionName,
  type ContextData,
  type LearningEventData,
  Memory,
  type PersonData,
  type VaultRecord,
} from '@aura/client';
import { FileIndexCache } from '@aura/client/node';
import { command, need, needId } from '../command.ts';
import { auraHome } from '../home.ts';
import { counter, progress, render, UsageError, UsageHelp, when } from '../output.ts';
import { configuredEmbeddings } from './provider.ts';

/**
 * The vault with retrieval by meaning when an embedding provider is configured, by words otherwise.
 * The decrypted index is kept sealed in AURA_HOME/memory between commands (flush saves it).
 */
export const memoryOf = async (client: AuraClient) => {
  const provider = await configuredEmbeddings();
  return new Memory(client.vault, provider, provider ? { cache: new FileIndexCache(join(auraHome(), 'memory')) } : {});
};

/** After a search: says how many records the model has no vector for yet, and how they get one. */
async function noteStale(memory: Memory, collection: CollectionName, noun: string, json: boolean) {
  if (!memory.provider || memory.status.unavailable || json) return;
  const { stale, total } = await memory.stale(collection);
  if (stale > 0)
    progress(
      `(${stale} of ${total} ${noun === 'people' ? 'people' : 'notes'} have no vector of ${memory.provider.model} yet, so only words find them: run "aura ${noun} reembed", or keep "aura agent" running)`,
    );
}

/** Says so on stderr when the endpoint failed and words alone found. */
function noteUnavailable(memory: Memory, json: boolean) {
  if (memory.status.unavailable && !json) progress(`(by words only: ${memory.status.unavailable})`);
}

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
  return render(records.map(withoutVector), { json, table: records.map(summary), columns });
}

/** A record as --json prints it: its vector's model, not its numbers. */
const withoutVector = ({ embedding, ...record }: VaultRecord) => ({
  ...record,
  ...(embedding ? { embeddingModel: embedding.model } : {}),
});

/** aura context … and aura people …: encrypted records in the vault. */
export const records = command(
  {
    type: { type: 'string', multiple: true },
    expires: { type: 'string' },
    limit: { type: 'string' },
    relationship: { type: 'string' },
    email: { type: 'string' },
    notes: { type: 'string' },
  },
  async (client, [noun = '', verb, ...args], flags) => {
    const { json } = flags;
    const collection = COLLECTION[noun] as CollectionName;
    const vault = client.vault;
    const type = flags.type?.at(-1);
    switch (verb) {
      case 'add': {
        const memory = await memoryOf(client);
        const text = need(args.join(' ').trim() || undefined, noun === 'people' ? 'NAME' : 'TEXT');
        const options = flags.expires ? { expiresAt: parseExpiry(flags.expires) } : {};
        const record =
          collection === 'relationships'
            ? await memory.remember(
                'relationships',
                {
                  name: text,
                  ...(flags.relationship ? { relationship: flags.relationship } : {}),
                  ...(flags.email ? { email: flags.email } : {}),
                  ...(flags.notes ? { notes: flags.notes } : {}),
                },
                options,
              )
            : await memory.remember('contexts', { text, ...(type ? { type } : {}) }, options);
        noteUnavailable(memory, json);
        return render(withoutVector(record), {
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
        return render(withoutVector(record), {
          json,
          text:
            `${fields.join('')}id: ${record.id}\nversion: ${record.version}\nupdated: ${when(record.updatedAt)}\n` +
            (record.expiresAt ? `expires: ${when(record.expiresAt)}\n` : ''),
        });
      }
      case 'list':
        return showRecords(await vault.list(collection), json);
      case 'search': {
        // Words through the blind index, and meaning through this device's decrypted vectors, fused.
        const memory = await memoryOf(client);
        const limit = flags.limit === undefined ? 20 : Number(flags.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 500)
          throw new UsageError('--limit is a number from 1 to 500');
        const hits = await memory.search(collection, need(args.join(' ').trim() || undefined, 'WORD'), {
          limit,
          ...(flags.type?.length ? { types: flags.type } : {}),
        });
        noteUnavailable(memory, json);
        await noteStale(memory, collection, noun, json);
        await memory.flush();
        return render(
          hits.map((h) => ({ ...withoutVector(h.record), confidence: h.confidence, via: h.via })),
          {
            json,
            table: hits.map((h) => ({ ...summary(h.record), match: h.via.join('+') })),
            columns: [
              ...(collection === 'relationships' ? ['id', 'name', 'relationship'] : ['id', 'updated', 'type', 'text']),
              'match',
            ],
          },
        );
      }
      case 'reembed': {
        // After a change of embedding model: every record gets a vector of the configured one (resumable).
        const memory = await memoryOf(client);
        if (!memory.provider) {
          throw new UsageError('no embeddings provider is configured: set AURA_EMBEDDINGS_URL (docs/memory.md)');
        }
        const count = counter('Re-embedding', json);
        const result = await memory.reembed(collection, count.step);
        count.end();
        return render(
          { ...result, model: memory.provider.model },
          {
            json,
            sentence: `${result.reembedded} of ${result.total} re-embedded with ${memory.provider.model}; every ${noun === 'people' ? 'person' : 'note'} has its vector.`,
          },
        );
      }
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
  const count = counter('Re-encrypting', json);
  const result = await client.vault.rotate(collection, count.step);
  count.end();
  return render(result, {
    json,
    sentence: `The ${noun} key is now version ${result.version}; the old one is retired.`,
  });
});
