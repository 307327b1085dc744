import { parseArgs } from 'node:util';
import { AuraClient } from '@aura/client';
import { FileStateStore } from '@aura/client/node';
import { runCommand } from './commands.ts';
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
  aura tasks list | show TASK               what your tasks are doing
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
  aura audit log | verify                   everything that happened to the account, checked on this device
  aura support request USER --ticket T      (agents) ask a user for access
  aura support grant AGENT --categories context,people [--hours H] [--yes] | list | revoke ID
  aura support read ID                      (agents) read what a grant shows

Passwords come from a prompt, or one per line on stdin with --password-stdin.
--server (or "server" in ${auraHome()}/config.json, or AURA_SERVER) picks the server; default ${DEFAULT_SERVER}.
Exit codes: 0 ok, 1 failed, 2 usage, 3 not logged in, 4 wrong password, 5 server unreachable, 6 server tampering detected.
`;

export async function main(argv: string[]): Promise<number> {
  let json = false;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        server: { type: 'string' },
        json: { type: 'boolean', default: false },
        'password-stdin': { type: 'boolean', default: false },
        email: { type: 'string' },
        name: { type: 'string' },
        type: { type: 'string' },
        expires: { type: 'string' },
        relationship: { type: 'string' },
        notes: { type: 'string' },
        ticket: { type: 'string' },
        categories: { type: 'string' },
        hours: { type: 'string' },
        'operator-signature': { type: 'string' },
        yes: { type: 'boolean', default: false },
        'correct-intent': { type: 'string' },
        'correct-slot': { type: 'string', multiple: true },
        'dry-run': { type: 'boolean', default: false },
        'via-agent': { type: 'boolean', default: false },
        url: { type: 'string' },
        username: { type: 'string' },
        calendar: { type: 'string' },
        smtp: { type: 'string' },
        imap: { type: 'string' },
        'smtp-security': { type: 'string' },
        'imap-security': { type: 'string' },
        sender: { type: 'string' },
        'ca-file': { type: 'string' },
        command: { type: 'string' },
        'read-only': { type: 'string' },
        'client-id': { type: 'string' },
        'root-url': { type: 'string' },
        'token-url': { type: 'string' },
        at: { type: 'string' },
        minutes: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        accept: { type: 'boolean', default: false },
        reject: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    json = values.json ?? false;
    if (values.help || positionals.length === 0 || positionals[0] === 'help') {
      process.stdout.write(HELP);
      return positionals.length === 0 && !values.help ? EXIT.usage : EXIT.ok;
    }
    if (positionals[0] === 'up') {
      await import('@aura/server/main');
      return new Promise<number>(() => {}); // runs until Ctrl-C; main exits the process
    }
    const server = values.server ?? process.env.AURA_SERVER ?? readConfig().server ?? DEFAULT_SERVER;
    const supportOperatorKey = process.env.AURA_SUPPORT_OPERATOR_KEY ?? readConfig().supportOperatorKey;
    const client = await AuraClient.open({
      server,
      store: new FileStateStore(statePath()),
      ...(supportOperatorKey ? { supportOperatorKey } : {}),
      onProgress: (step) => {
        if (!json) process.stderr.write(`${step}\n`);
      },
    });
    // What the command's reads and writes taught this device (versions seen, changes it must find
    // in the log) is kept even when the command fails.
    try {
      await runCommand(client, positionals, {
        ...values,
        json,
        passwordStdin: values['password-stdin'] ?? false,
        operatorSignature: values['operator-signature'],
        yes: values.yes ?? false,
        correctIntent: values['correct-intent'],
        correctSlot: values['correct-slot'],
        dryRun: values['dry-run'] ?? false,
        viaAgent: values['via-agent'] ?? false,
        smtpSecurity: values['smtp-security'],
        imapSecurity: values['imap-security'],
        caFile: values['ca-file'],
        readOnly: values['read-only'],
        clientId: values['client-id'],
        rootUrl: values['root-url'],
        tokenUrl: values['token-url'],
      });
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
