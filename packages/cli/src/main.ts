import { parseArgs } from 'node:util';
import { AuraClient } from '@aura/client';
import { FileStateStore, nodeSocket } from '@aura/client/node';
import { distance } from 'fastest-levenshtein';
import { type Command, GLOBAL_OPTIONS, type OptionsConfig } from './command.ts';
import { account } from './commands/account.ts';
import { agent } from './commands/agent.ts';
import { ask, feedback } from './commands/ask.ts';
import { audit } from './commands/audit.ts';
import { calendar } from './commands/calendar.ts';
import { devices } from './commands/devices.ts';
import { notifications } from './commands/notifications.ts';
import { plugins } from './commands/plugins.ts';
import { keys, records } from './commands/records.ts';
import { reminders } from './commands/reminders.ts';
import { support } from './commands/support.ts';
import { decide, tasks } from './commands/tasks.ts';
import { auraHome, DEFAULT_SERVER, readConfig, statePath } from './home.ts';
import { EXIT, fail, UsageError } from './output.ts';

export const HELP = `aura — your zero-knowledge personal assistant

Usage: aura [--server URL] [--json] [--password-stdin] COMMAND ...

  aura up                                   start the server (same as npm start)
  aura register --email E                   create an account (this install becomes its first device)
  aura login --email E                      log in; aura logout; aura status
  aura password change                      new password; your data stays as it is
  aura context add TEXT [--type T] [--expires 7d|2026-12-31]
  aura context get ID | list | search WORD... | rm ID
  aura people add NAME [--relationship R] [--email E] [--notes N]
  aura people list | rm ID
  aura device list | enroll --email E [--name N] | approve CODE | revoke ID
  aura keys rotate context|people           re-encrypt a collection under a new key (resumable)
  aura ask TEXT [--dry-run | --via-agent]   understand, plan and submit it as a task (--dry-run: only show the plan;
                                            --via-agent: let your agent plan it, now or when it is next online)
  aura tasks list | show TASK | watch TASK  what your tasks are doing (watch: live, until the task ends)
  aura notifications list [--after SEQ] | follow | email on|off   what happened to your account, live
  aura approve TASK [STEP] | reject TASK [STEP]    sign your decision on the steps waiting for it
  aura agent                                run this device as your agent: plans requests, executes approved steps
  aura plugins list | enable NAME | disable NAME   plugins.yaml in your Aura home
  aura plugins add caldav --url URL --username U [--calendar NAME]
  aura plugins add email --smtp HOST:PORT [--imap HOST:PORT] --username U [--sender ADDR] [--ca-file F]
  aura plugins add google --client-id ID [--calendar ID]        (asks for the client secret and refresh token)
  aura plugins add mcp --name NAME --command "CMD ARGS" | --url URL [--read-only TOOL,...]
  aura plugins test NAME                    checks a plugin's server and credentials
  aura feedback ID --accept | --reject | --correct-intent I | --correct-slot person=NAME   teach it (for you only)
  aura calendar add TITLE --at WHEN [--minutes N] | list [--from D --to D] | rm ID | export   your local calendar
  aura reminders [list [--all]] | add TEXT [--at WHEN] | done ID   reminders, and to-dos (no time)
  aura audit log | verify                   everything that happened to the account, checked on this device
  aura support request USER --ticket T      (agents) ask a user for access
  aura support grant AGENT --categories context,people [--hours H] [--yes] | list | revoke ID
  aura support read ID [--user USER_ID]     (agents) read what a grant shows

Passwords come from a prompt, or one per line on stdin with --password-stdin.
--server (or "server" in ${auraHome()}/config.json, or AURA_SERVER) picks the server; default ${DEFAULT_SERVER}.
Exit codes: 0 ok, 1 failed, 2 usage, 3 not logged in, 4 wrong password, 5 server unreachable, 6 server tampering detected.
`;

/** Every noun, and the command that handles it. */
const COMMANDS: Record<string, Command> = {
  register: account,
  login: account,
  logout: account,
  status: account,
  password: account,
  context: records,
  people: records,
  keys,
  device: devices,
  audit,
  support,
  ask,
  feedback,
  calendar,
  tasks,
  notifications,
  approve: decide,
  reject: decide,
  plugins,
  reminders,
  agent,
};

/**
 * Any command's flag is accepted anywhere on the line, as `aura --email E register` always was;
 * each command is then given only the flags it declares. Two commands declaring one flag must
 * agree on its type.
 */
function everyOption(): OptionsConfig {
  const all: OptionsConfig = { ...GLOBAL_OPTIONS };
  for (const { options } of new Set(Object.values(COMMANDS))) {
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
  const near = Object.keys(COMMANDS)
    .map((name) => ({ name, d: distance(name, noun.toLowerCase()) }))
    .filter((c) => c.d <= Math.min(2, Math.floor(c.name.length / 3)))
    .sort((a, b) => a.d - b.d)[0];
  return near ? `; did you mean "aura ${near.name}"?` : '';
}

export async function main(argv: string[]): Promise<number> {
  let json = false;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: everyOption(),
    });
    json = values.json === true;
    if (values.help || positionals.length === 0 || positionals[0] === 'help') {
      process.stdout.write(HELP);
      return positionals.length === 0 && !values.help ? EXIT.usage : EXIT.ok;
    }
    const [noun = ''] = positionals;
    if (noun === 'up') return (await import('./commands/up.ts')).up();
    const server = serverUrl(
      (values.server as string | undefined) ?? process.env.AURA_SERVER ?? readConfig().server ?? DEFAULT_SERVER,
    );
    const supportOperatorKey = process.env.AURA_SUPPORT_OPERATOR_KEY ?? readConfig().supportOperatorKey;
    const client = await AuraClient.open({
      server,
      store: new FileStateStore(statePath()),
      openSocket: nodeSocket,
      ...(supportOperatorKey ? { supportOperatorKey } : {}),
      onProgress: (step) => {
        if (!json) process.stderr.write(`${step}\n`);
      },
    });
    // What the command's reads and writes taught this device (versions seen, changes it must find
    // in the log) is kept even when the command fails.
    try {
      const command = COMMANDS[noun];
      if (!command) throw new UsageError(`unknown command "${noun}"${suggest(noun)}; "aura --help" lists them`);
      const flags = Object.fromEntries(Object.keys(command.options).map((name) => [name, values[name]]));
      await command.run(client, positionals, { ...flags, json, 'password-stdin': values['password-stdin'] === true });
    } finally {
      await client.flush();
    }
    return EXIT.ok;
  } catch (error) {
    if (error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      return fail(new UsageError(error.message), json);
    }
    return fail(error, json);
  }
}

process.exitCode = await main(process.argv.slice(2));
