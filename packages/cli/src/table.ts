import type { Command } from './command.ts';
import { account } from './commands/account.ts';
import { agent } from './commands/agent.ts';
import { ask, feedback } from './commands/ask.ts';
import { audit } from './commands/audit.ts';
import { calendar } from './commands/calendar.ts';
import { chat } from './commands/chat.ts';
import { devices } from './commands/devices.ts';
import { notifications } from './commands/notifications.ts';
import { plugins } from './commands/plugins.ts';
import { keys, records } from './commands/records.ts';
import { reminders } from './commands/reminders.ts';
import { setup } from './commands/setup.ts';
import { support } from './commands/support.ts';
import { decide, tasks } from './commands/tasks.ts';

/** One form of a command: what to type after "aura", and what it does. */
export interface Form {
  readonly usage: string;
  readonly about: string;
}

/** A noun of the aura command, the command that runs it (absent: handled before any login state), its forms. */
export interface Entry {
  readonly command?: Command;
  readonly section: string;
  readonly forms: readonly Form[];
}

const form = (usage: string, about: string): Form => ({ usage, about });

/**
 * The one table behind the parser, the help, the usage errors and the shell completion: a noun
 * missing here cannot be run, and a form listed here is what "aura help NOUN" shows.
 */
export const TABLE: Readonly<Record<string, Entry>> = {
  setup: {
    command: setup,
    section: 'Start',
    forms: [
      form(
        'setup [--email E] [--login] [--no-agent] [--no-service] [--start] [--llm-url URL [--llm-model M]] [--caldav-url URL --username U] [--yes]',
        'guided first run: server, account, agent and its service, LLM, calendar (safe to run again)',
      ),
    ],
  },
  up: { section: 'Start', forms: [form('up', 'start the server here (the same as npm start)')] },
  backup: {
    section: 'Server',
    forms: [form('backup FILE', "the server's whole database to FILE, while it runs (docs/operations.md)")],
  },
  restore: {
    section: 'Server',
    forms: [form('restore FILE', 'a backup into an empty data directory or database')],
  },
  'server-key': {
    section: 'Server',
    forms: [
      form(
        'server-key rotate log|token',
        'a new audit log key (devices follow the signed rotation) or access-token key, servers stopped',
      ),
    ],
  },
  register: {
    command: account,
    section: 'Start',
    forms: [form('register --email E [--name DEVICE]', 'create an account; this install becomes its first device')],
  },
  login: { command: account, section: 'Start', forms: [form('login --email E', 'log in on this install')] },
  logout: { command: account, section: 'Start', forms: [form('logout', 'end this session (keys stay)')] },
  status: { command: account, section: 'Start', forms: [form('status', 'who is logged in, on which server')] },
  password: {
    command: account,
    section: 'Start',
    forms: [form('password change', 'a new password; your data stays as it is')],
  },
  completion: {
    section: 'Start',
    forms: [form('completion bash|zsh|fish', 'print shell completion (see docs/install.md)')],
  },
  ask: {
    command: ask,
    section: 'Ask',
    forms: [
      form(
        'ask TEXT [--yes | --dry-run] [--wait] [--via-agent] [--he] [--show-context]',
        'understand and plan a request, then submit it (asks first on a terminal)',
      ),
    ],
  },
  chat: { command: chat, section: 'Ask', forms: [form('chat', 'talk to Aura: ask, see the plan, approve inline')] },
  tasks: {
    command: tasks,
    section: 'Ask',
    forms: [
      form('tasks list', 'your tasks, newest first'),
      form('tasks show TASK', 'a task and its steps'),
      form('tasks watch TASK', 'follow a task live until it ends'),
    ],
  },
  approve: {
    command: decide,
    section: 'Ask',
    forms: [form('approve TASK [STEP]', 'sign your approval of the steps waiting for it')],
  },
  reject: {
    command: decide,
    section: 'Ask',
    forms: [form('reject TASK [STEP]', 'sign your refusal of the steps waiting for it')],
  },
  feedback: {
    command: feedback,
    section: 'Ask',
    forms: [
      form(
        'feedback DECISION --accept | --reject | --correct-intent I | --correct-slot person=NAME',
        'teach your assistant (for you only)',
      ),
    ],
  },
  context: {
    command: records,
    section: 'Your data',
    forms: [
      form('context add TEXT [--type T] [--expires 7d|2026-12-31]', 'remember something, encrypted'),
      form(
        'context list | search WORDS... [--type T] [--limit N] | get ID | rm ID',
        'read, find (by words and meaning) or delete it',
      ),
      form('context reembed', 'give every note a vector of the configured embeddings model (resumable)'),
    ],
  },
  people: {
    command: records,
    section: 'Your data',
    forms: [
      form('people add NAME [--relationship R] [--email E] [--notes N]', 'someone Aura should know'),
      form('people list | search WORD... | get ID | rm ID', 'read, find or delete them'),
      form('people reembed', 'give every person a vector of the configured embeddings model (resumable)'),
    ],
  },
  calendar: {
    command: calendar,
    section: 'Your data',
    forms: [
      form('calendar add TITLE --at WHEN [--minutes N]', 'an event in your local calendar'),
      form('calendar list [--from D --to D] | rm ID | export', 'list, delete, or print as iCalendar'),
    ],
  },
  reminders: {
    command: reminders,
    section: 'Your data',
    forms: [
      form('reminders add TEXT [--at WHEN]', 'a reminder, or a to-do without --at'),
      form('reminders [list [--all]] | done ID', 'what is open; mark one done'),
    ],
  },
  keys: {
    command: keys,
    section: 'Your data',
    forms: [form('keys rotate context|people', 're-encrypt a collection under a new key (resumable)')],
  },
  device: {
    command: devices,
    section: 'Devices and agent',
    forms: [
      form('device list', 'the installs that hold your account key'),
      form('device enroll --email E [--name N]', 'ask to add this install (run on the new one)'),
      form('device approve CODE [--yes]', 'let a new install in, after comparing fingerprints'),
      form('device revoke ID', 'cut an install off'),
    ],
  },
  agent: {
    command: agent,
    section: 'Devices and agent',
    forms: [form('agent', 'run this install as your agent: plans requests, runs approved steps')],
  },
  plugins: {
    command: plugins,
    section: 'Devices and agent',
    forms: [
      form('plugins list | enable NAME | disable NAME | test NAME', 'the agent’s plugins (plugins.yaml)'),
      form('plugins add caldav --url URL --username U [--calendar NAME]', 'a CalDAV calendar'),
      form('plugins add email --smtp HOST:PORT [--imap HOST:PORT] --username U [--sender ADDR] [--ca-file F]', 'email'),
      form('plugins add google --client-id ID [--calendar ID]', 'Google Calendar'),
      form('plugins add mcp --name NAME --command "CMD ARGS" | --url URL [--read-only TOOL,...]', 'an MCP server'),
    ],
  },
  notifications: {
    command: notifications,
    section: 'Devices and agent',
    forms: [
      form('notifications list [--after SEQ] | follow', 'what happened to your account, live with follow'),
      form('notifications email on|off', 'a link by email for approvals and new devices'),
    ],
  },
  audit: {
    command: audit,
    section: 'Trust',
    forms: [form('audit log | verify', 'everything that happened to the account, checked here')],
  },
  support: {
    command: support,
    section: 'Trust',
    forms: [
      form('support grant AGENT --categories context,people [--hours H] [--yes]', 'let support read some of it'),
      form('support list | revoke ID', 'your grants'),
      form('support request USER --ticket T | read ID [--user USER_ID]', '(support agents) ask for and read access'),
      form('support agent-register --name N --operator-signature SIG', '(support agents) become one'),
    ],
  },
};

const INDENT = 44;

function formLine(f: Form): string {
  const usage = `  aura ${f.usage}`;
  return usage.length < INDENT ? `${usage.padEnd(INDENT)}${f.about}` : `${usage}\n${' '.repeat(INDENT)}${f.about}`;
}

/** The lines of one noun's forms, as "aura help NOUN" and its usage errors show them. */
export const usageOf = (noun: string): string => (TABLE[noun]?.forms ?? []).map(formLine).join('\n');

export function helpText(home: string, server: string): string {
  const sections = new Map<string, string[]>();
  for (const entry of Object.values(TABLE)) {
    const lines = sections.get(entry.section) ?? [];
    lines.push(...entry.forms.map(formLine));
    sections.set(entry.section, lines);
  }
  return `aura — your zero-knowledge personal assistant

Usage: aura [--server URL] [--json] [--password-stdin] COMMAND ...

${[...sections].map(([name, lines]) => `${name}:\n${lines.join('\n')}`).join('\n\n')}

"aura help COMMAND" shows one command. Passwords come from a prompt, or one per line on stdin
with --password-stdin. The server is --server URL, else AURA_SERVER, else "server" in
${home}/config.json (remembered at login), else ${server}.
Exit codes: 0 ok, 1 failed, 2 usage, 3 not logged in, 4 wrong password, 5 server unreachable,
6 server tampering detected.
`;
}
