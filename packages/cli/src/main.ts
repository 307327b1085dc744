import { parseArgs } from 'node:util';
import { AuraClient } from '@aura/client';
import { FileStateStore, nodeSocket, nodeTransport } from '@aura/client/node';
import { distance } from 'fastest-levenshtein';
import { GLOBAL_OPTIONS, type OptionsConfig } from './command.ts';
import { completion, verbsOf } from './completion.ts';
import { auraHome, DEFAULT_SERVER, readConfig, statePath } from './home.ts';
import { EXIT, fail, UsageError, UsageHelp } from './output.ts';
import { helpText, TABLE, usageOf } from './table.ts';

/**
 * Any command's flag is accepted anywhere on the line, as `aura --email E register` always was;
 * each command is then given only the flags it declares. Two commands declaring one flag must
 * agree on its type.
 */
function everyOption(): OptionsConfig {
  const all: OptionsConfig = { ...GLOBAL_OPTIONS };
  for (const { options } of new Set(Object.values(TABLE).flatMap((e) => (e.command ? [e.command] : [])))) {
    for (const [name, option] of Object.entries(options)) {
      const known = all[name];
      if (known && (known.type !== option.type || Boolean(known.multiple) !== Boolean(option.multiple)))
        throw new Error(`two commands declare --${name} differently`);
      all[name] = option;
    }
  }
  return all;
}

/** The server's address as a URL, or a usage error that shows what one looks like. */
function serverUrl(raw: string): string {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {}
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname)
    throw new UsageError(
      `"${raw}" is not a server address: give its URL with the scheme, such as ${DEFAULT_SERVER} or https://aura.example.com`,
    );
  return raw;
}

/** "did you mean …" for a command one or two letters off. */
function suggest(noun: string): string {
  const near = Object.keys(TABLE)
    .map((name) => ({ name, d: distance(name, noun.toLowerCase()) }))
    .filter((c) => c.d <= Math.min(2, Math.floor(c.name.length / 3)))
    .sort((a, b) => a.d - b.d)[0];
  return near ? `. Did you mean "aura ${near.name}"?` : '';
}

export async function main(argv: string[]): Promise<number> {
  let json = false;
  let client: AuraClient | undefined;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: everyOption(),
    });
    json = values.json === true;
    const [noun = '', topic] = positionals;
    if (noun === 'help' && topic) return showUsage(topic);
    if (values.help && TABLE[noun]) return showUsage(noun);
    if (values.help || positionals.length === 0 || noun === 'help') {
      process.stdout.write(helpText(auraHome(), DEFAULT_SERVER));
      return positionals.length === 0 && !values.help ? EXIT.usage : EXIT.ok;
    }
    const entry = TABLE[noun];
    if (!entry) throw new UsageError(`unknown command "${noun}"${suggest(noun)}`);
    // A word the noun has no form for is answered with its forms before any login or request.
    const verbs = verbsOf(entry);
    if (verbs.length && topic !== undefined && !verbs.includes(topic))
      throw new UsageHelp(noun, `"aura ${noun}" has no "${topic}"`);
    if (noun === 'up') return await (await import('./commands/up.ts')).up();
    if (noun === 'completion') return completion(topic);
    if (noun === 'backup' || noun === 'restore') return await (await import('./commands/up.ts')).operation(noun, topic);
    if (noun === 'server-key') return await (await import('./commands/up.ts')).rotateServerKey(positionals[2]);
    const command = entry.command;
    if (!command) throw new UsageError(`"${noun}" cannot run here`);
    const server = serverUrl(
      (values.server as string | undefined) ?? process.env.AURA_SERVER ?? readConfig().server ?? DEFAULT_SERVER,
    );
    const supportOperatorKey = process.env.AURA_SUPPORT_OPERATOR_KEY ?? readConfig().supportOperatorKey;
    client = await AuraClient.open({
      server,
      store: new FileStateStore(statePath()),
      openSocket: nodeSocket,
      transport: nodeTransport,
      ...(supportOperatorKey ? { supportOperatorKey } : {}),
      onProgress: (step) => {
        if (!json) process.stderr.write(`${step}\n`);
      },
    });
    // What the command's reads and writes taught this device (versions seen, changes it must find
    // in the log) is kept even when the command fails.
    try {
      const flags = Object.fromEntries(Object.keys(command.options).map((name) => [name, values[name]]));
      await command.run(client, positionals, {
        ...flags,
        json,
        'password-stdin': values['password-stdin'] === true,
      });
    } finally {
      await client.flush();
    }
    return EXIT.ok;
  } catch (error) {
    if (error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      return fail(new UsageError(error.message), json);
    }
    // The refusal stands; the server's operator hears of it (by kind only).
    await client?.reportIntegrityFailure(error);
    if (error instanceof UsageHelp)
      return fail(new UsageError(`${error.message ? `${error.message}\n` : ''}usage:\n${usageOf(error.noun)}`), json);
    return fail(error, json);
  }
}

/** "aura help NOUN": the forms of one command. */
function showUsage(noun: string): number {
  if (!TABLE[noun]) throw new UsageError(`unknown command "${noun}"${suggest(noun)}`);
  process.stdout.write(`${usageOf(noun)}\n`);
  return EXIT.ok;
}

process.exitCode = await main(process.argv.slice(2));
