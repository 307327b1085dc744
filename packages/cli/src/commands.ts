import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AuraClient, CollectionName, VaultRecord } from '@aura/client';
import { AuraError } from '@aura/errors';
import { auraHome, readConfig, writeConfig } from './home.ts';
import { printJson, printTable, progress, UsageError } from './output.ts';
import { confirm, password } from './prompt.ts';

export interface Flags {
  json: boolean;
  passwordStdin: boolean;
  email?: string | undefined;
  name?: string | undefined;
  type?: string | undefined;
  expires?: string | undefined;
  relationship?: string | undefined;
  notes?: string | undefined;
  ticket?: string | undefined;
  categories?: string | undefined;
  hours?: string | undefined;
  operatorSignature?: string | undefined;
  yes: boolean;
  correctIntent?: string | undefined;
  correctSlot?: string[] | undefined;
  dryRun?: boolean;
  url?: string | undefined;
  username?: string | undefined;
  calendar?: string | undefined;
  smtp?: string | undefined;
  imap?: string | undefined;
  smtpSecurity?: string | undefined;
  imapSecurity?: string | undefined;
  sender?: string | undefined;
  caFile?: string | undefined;
  command?: string | undefined;
  readOnly?: string | undefined;
  clientId?: string | undefined;
  rootUrl?: string | undefined;
  tokenUrl?: string | undefined;
  viaAgent?: boolean;
  at?: string | undefined;
  minutes?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  accept?: boolean | undefined;
  reject?: boolean | undefined;
}

const COLLECTION: Record<string, CollectionName> = { context: 'contexts', people: 'relationships' };

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

function need(value: string | undefined, what: string): string {
  if (!value) throw new UsageError(`${what} is required`);
  return value;
}

function summary(record: VaultRecord): Record<string, string> {
  const d = record.data as unknown as Record<string, unknown>;
  const text = String(d.text ?? d.name ?? '');
  return {
    id: record.id,
    updated: record.updatedAt.slice(0, 16).replace('T', ' '),
    ...(record.collection === 'relationships'
      ? { name: text, relationship: String(d.relationship ?? ''), email: String(d.email ?? '') }
      : { type: String(d.type ?? ''), text: text.length > 60 ? `${text.slice(0, 57)}...` : text }),
  };
}

function showRecords(records: VaultRecord[], flags: Flags) {
  if (flags.json) return printJson(records);
  const columns =
    records[0]?.collection === 'relationships'
      ? ['id', 'name', 'relationship', 'email']
      : ['id', 'updated', 'type', 'text'];
  printTable(records.map(summary), columns);
}

/** After a login, later commands talk to the same server without --server. */
function rememberServer(client: AuraClient) {
  const config = readConfig();
  if (config.server !== client.api.baseUrl) writeConfig({ ...config, server: client.api.baseUrl });
}

async function account(client: AuraClient, [verb, sub]: string[], flags: Flags) {
  switch (verb) {
    case 'register': {
      const email = need(flags.email, '--email');
      await client.register(email, await password('Password', flags.passwordStdin, true), flags.name ?? 'aura cli');
      rememberServer(client);
      return flags.json ? printJson(await client.status()) : progress(`Registered and logged in as ${email}.`);
    }
    case 'login': {
      const email = need(flags.email, '--email');
      await client.login(email, await password('Password', flags.passwordStdin));
      rememberServer(client);
      return flags.json ? printJson(await client.status()) : progress(`Logged in as ${email}.`);
    }
    case 'logout':
      await client.logout();
      return progress('Logged out; this device keeps its keys for the next login.');
    case 'status': {
      const status = await client.status();
      if (flags.json) return printJson(status);
      if (!status.loggedIn) return process.stdout.write(`Not logged in (server ${status.server}).\n`);
      process.stdout.write(
        `Logged in as ${status.email} on ${status.server}\n  user    ${status.userId}\n  device  ${status.deviceId ?? '(not enrolled)'}\n  session ${status.sessionId}, until ${status.expiresAt}\n`,
      );
      return;
    }
    case 'password': {
      if (sub !== 'change') throw new UsageError('usage: aura password change');
      const current = await password('Current password', flags.passwordStdin);
      const next = await password('New password', flags.passwordStdin, true);
      await client.changePassword(current, next);
      return progress('Password changed. Other sessions were logged out; your data is unchanged.');
    }
  }
  throw new UsageError(`unknown command "${verb}"`);
}

async function records(client: AuraClient, noun: string, [verb, ...args]: string[], flags: Flags) {
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
      return flags.json ? printJson(record) : process.stdout.write(`${record.id}\n`);
    }
    case 'get': {
      const record = await vault.get(collection, need(args[0], 'ID'));
      if (flags.json) return printJson(record);
      for (const [key, value] of Object.entries(record.data)) process.stdout.write(`${key}: ${String(value)}\n`);
      process.stdout.write(`id: ${record.id}\nversion: ${record.version}\nupdated: ${record.updatedAt}\n`);
      if (record.expiresAt) process.stdout.write(`expires: ${record.expiresAt}\n`);
      return;
    }
    case 'list':
      return showRecords(await vault.list(collection), flags);
    case 'search':
      return showRecords(await vault.search(collection, need(args.join(' ').trim() || undefined, 'WORD')), flags);
    case 'rm':
      await vault.delete(collection, need(args[0], 'ID'));
      return flags.json ? printJson({ deleted: args[0] }) : progress(`Deleted ${args[0]}.`);
  }
  throw new UsageError(`usage: aura ${noun} add|get|list|search|rm`);
}

async function devices(client: AuraClient, [verb, arg]: string[], flags: Flags) {
  switch (verb) {
    case 'list': {
      const list = await client.listDevices();
      const mine = client.session?.deviceId;
      if (flags.json) printJson(list.map((d) => ({ ...d, current: d.id === mine })));
      else
        printTable(
          list.map((d) => ({
            id: d.id,
            name: `${d.name ?? ''}${d.id === mine ? ' (this device)' : ''}`,
            fingerprint: d.fingerprint,
            state: d.revokedAt ? `revoked ${d.revokedAt.slice(0, 10)}` : 'active',
            verified: d.verification === 'verified' ? 'yes' : `NO: ${d.verification.replace('_', ' ')}`,
          })),
          ['id', 'name', 'fingerprint', 'state', 'verified'],
        );
      // Shown first, then refused: the user sees which device the server tampered with.
      await client.verifiedDevices();
      return;
    }
    case 'enroll': {
      const ticket = await client.requestEnrollment(need(flags.email, '--email'), flags.name ?? 'aura cli');
      rememberServer(client);
      if (flags.json)
        printJson({ enrollmentId: ticket.enrollmentId, code: ticket.code, fingerprint: ticket.fingerprint });
      progress(`On a device already logged in, run:\n\n    aura device approve ${ticket.code}\n`);
      progress(`This device's fingerprint: ${ticket.fingerprint}\nWaiting for approval (until ${ticket.expiresAt})…`);
      const result = await ticket.wait();
      return progress(`Approved. This device is enrolled as ${result.deviceId} and logged in.`);
    }
    case 'approve': {
      const approved = await client.approveEnrollment(need(arg, 'CODE'));
      return flags.json
        ? printJson(approved)
        : progress(
            `Approved "${approved.name ?? 'new device'}" (fingerprint ${approved.fingerprint}). It now holds your account key.`,
          );
    }
    case 'revoke':
      await client.revokeDevice(need(arg, 'ID'));
      return progress(`Revoked ${arg}: its sessions have ended and it cannot log in again.`);
  }
  throw new UsageError('usage: aura device list|enroll|approve CODE|revoke ID');
}

async function keys(client: AuraClient, [verb, noun]: string[], flags: Flags) {
  const collection = COLLECTION[noun ?? ''];
  if (verb !== 'rotate' || !collection) throw new UsageError('usage: aura keys rotate context|people');
  const result = await client.vault.rotate(collection, (done, total) => {
    if (!flags.json) process.stderr.write(`\rRe-encrypting ${done}/${total}`);
  });
  if (!flags.json) process.stderr.write('\n');
  return flags.json
    ? printJson(result)
    : progress(`The ${noun} key is now version ${result.version}; the old one is retired.`);
}

async function auditCommand(client: AuraClient, [verb]: string[], flags: Flags) {
  if (verb === 'verify') {
    const report = await client.audit.verify();
    if (flags.json) printJson(report);
    else if (report.valid) {
      process.stdout.write(
        `Verified: ${report.entriesChecked} entries, every one proven in the signed log (root ${report.merkleRoot}).\n`,
      );
    } else {
      for (const issue of report.issues) process.stdout.write(`INTEGRITY FAILURE (${issue.type}): ${issue.detail}\n`);
    }
    if (!report.valid)
      throw new AuraError(
        'AURA_AUDIT_INTEGRITY',
        'the audit log did not verify: the server rewrote, truncated or forked it',
      );
    return;
  }
  if (verb !== 'log') throw new UsageError('usage: aura audit log|verify');
  const { entries } = await client.audit.entries();
  if (flags.json) return printJson(entries);
  printTable(
    entries.map((e) => ({
      '#': String(e.index),
      time: new Date(e.timestamp).toISOString().slice(0, 19).replace('T', ' '),
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
    ['#', 'time', 'event', 'action', 'result', 'by', 'details'],
  );
  process.stdout.write(`All ${entries.length} entries verified against the signed checkpoint.\n`);
}

const CATEGORY: Record<string, CollectionName> = {
  context: 'contexts',
  contexts: 'contexts',
  people: 'relationships',
  relationships: 'relationships',
  'learning-events': 'learning-events',
};

async function supportCommand(client: AuraClient, [verb, arg]: string[], flags: Flags) {
  const support = client.support;
  switch (verb) {
    case 'request': {
      const { id } = await support.requestAccess(need(arg, 'USER (email)'), need(flags.ticket, '--ticket'));
      return flags.json
        ? printJson({ id })
        : progress(`Access requested (${id}); the user sees it in "aura support list".`);
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
      return flags.json
        ? printJson(granted)
        : progress(
            `Granted "${granted.agent}" (fingerprint ${granted.agentFingerprint}) read access to ${categories.join(', ')}: ` +
              `${granted.records} records until ${granted.validUntil}. Revoke with: aura support revoke ${granted.grantId}`,
          );
    }
    case 'list': {
      const [requests, grants] = await Promise.all([support.requests(), support.grants()]);
      if (flags.json) return printJson({ requests, grants });
      process.stdout.write('Requests\n');
      printTable(
        requests.map((r) => ({
          id: r.id,
          agent: `${r.agent.name} (${r.agent.id})`,
          ticket: r.ticket,
          status: r.status,
        })),
        ['id', 'agent', 'ticket', 'status'],
      );
      process.stdout.write('\nGrants\n');
      return printTable(
        grants.map((g) => ({
          id: g.id,
          agent: g.agentId,
          categories: g.categories.join(','),
          until: g.validUntil,
          state: g.revokedAt ? 'revoked' : 'active',
        })),
        ['id', 'agent', 'categories', 'until', 'state'],
      );
    }
    case 'revoke':
      await support.revoke(need(arg, 'GRANT (id)'));
      return progress(
        `Revoked ${arg}: the copies are deleted and the agent can no longer read them. What was read stays read.`,
      );
    case 'read': {
      const result = await support.read(need(arg, 'GRANT (id)'));
      return flags.json ? printJson(result) : printJson(result.records);
    }
    case 'agent-register': {
      const info = await support.registerAsAgent(
        need(flags.name, '--name'),
        need(flags.operatorSignature, '--operator-signature'),
      );
      return flags.json ? printJson(info) : progress(`This account is now support agent ${info.id}.`);
    }
  }
  throw new UsageError(
    'usage: aura support request USER --ticket T | grant AGENT --categories C,... [--hours H] | list | revoke ID | read ID',
  );
}

function llmProvider(assistant: typeof import('@aura/assistant')) {
  // An OpenAI-compatible endpoint (Ollama, llama.cpp server, vLLM) when configured; else offline.
  const llmUrl = process.env.AURA_LLM_URL;
  return llmUrl
    ? assistant.openAiProvider({
        baseUrl: llmUrl,
        model: process.env.AURA_LLM_MODEL ?? 'llama3',
        ...(process.env.AURA_LLM_API_KEY ? { apiKey: process.env.AURA_LLM_API_KEY } : {}),
      })
    : process.env.AURA_LLAMA_MODEL
      ? assistant.llamaCppProvider({ modelPath: process.env.AURA_LLAMA_MODEL })
      : undefined;
}

const pluginsPath = () => join(auraHome(), 'plugins.yaml');

async function ask(client: AuraClient, words: string[], flags: Flags) {
  const text = need(words.join(' ').trim() || undefined, 'TEXT');
  if (flags.viaAgent) {
    // A thin client: the request goes, encrypted, to the user's agent, which plans it there.
    const requestId = await client.tasks.postRequest(text);
    if (flags.json) return printJson({ requestId });
    return progress(
      `Sent to your agent (request ${requestId}); it plans it as soon as it is online. See "aura tasks list".`,
    );
  }
  const assistant = await import('@aura/assistant');
  const provider = llmProvider(assistant);
  const host = await assistant.loadPluginHost(pluginsPath(), client.vault);
  // Plugins may run processes (an MCP server): closed as soon as the plan is made.
  const { decision, decisionId } = await assistant
    .understand(client.vault, text, { host, ...(provider ? { provider } : {}) })
    .finally(() => host.close());
  // A ready plan becomes a task the server runs; --dry-run only shows it.
  const task =
    decision.status === 'ready' && decision.plan.length > 0 && !flags.dryRun
      ? await client.tasks.submit({
          request: { text, intent: decision.intent, reasoning: decision.reasoning },
          steps: decision.plan,
        })
      : undefined;
  if (flags.json) {
    return printJson({
      taskId: task?.id ?? null,
      decisionId,
      ...decision,
      plan: decision.plan.map((s) => ({
        ...s,
        status: task?.steps.find((t) => t.id === s.id)?.status ?? 'planned',
      })),
    });
  }
  process.stdout.write(`Intent: ${decision.intent} (${Math.round(decision.confidence * 100)}%)\n`);
  if (decision.slots.when)
    process.stdout.write(`When:   ${decision.slots.when.text} -> ${new Date(decision.slots.when.start).toString()}\n`);
  if (decision.people.length) process.stdout.write(`Who:    ${decision.people.map((p) => p.name).join(', ')}\n`);
  if (decision.plan.length) {
    process.stdout.write('Plan:\n');
    for (const [i, s] of decision.plan.entries()) {
      process.stdout.write(
        `  ${i + 1}. ${s.action}${s.requiresApproval ? '  [needs your approval]' : ''} - ${s.why}\n`,
      );
    }
  }
  for (const q of decision.questions) process.stdout.write(`? ${q}\n`);
  for (const r of decision.reasoning) process.stdout.write(`  ${r}\n`);
  if (task) {
    const approvals = decision.plan.filter((s) => s.requiresApproval).length;
    process.stdout.write(
      `Task ${task.id} submitted${approvals ? `; approve it with: aura approve ${task.id}` : ''} (follow it with: aura tasks show ${task.id})\n`,
    );
  }
  process.stdout.write(
    `(teach me with: aura feedback ${decisionId} --accept | --reject | --correct-intent INTENT | --correct-slot person=NAME)\n`,
  );
}

const SLOT_KEYS = ['person', 'title', 'place', 'when'] as const;

function slotCorrections(pairs: string[] | undefined) {
  const slots: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const cut = pair.indexOf('=');
    const key = pair.slice(0, cut).trim();
    const value = pair.slice(cut + 1).trim();
    if (cut <= 0 || !value || !(SLOT_KEYS as readonly string[]).includes(key))
      throw new UsageError(`--correct-slot wants KEY=VALUE with KEY one of ${SLOT_KEYS.join(', ')}; got "${pair}"`);
    slots[key] = value;
  }
  return slots;
}

async function feedback(client: AuraClient, [id]: string[], flags: Flags) {
  const vault = client.vault;
  const decision = await vault.get('learning-events', need(id, 'ID (from aura ask)'));
  if (decision.data.kind !== 'decision') throw new UsageError(`${id} is not a decision from "aura ask"`);
  const slots = slotCorrections(flags.correctSlot);
  const correcting = Boolean(flags.correctIntent) || Object.keys(slots).length > 0;
  const chosen = [correcting ? 'correct' : null, flags.accept ? 'accept' : null, flags.reject ? 'reject' : null].filter(
    Boolean,
  );
  if (chosen.length !== 1)
    throw new UsageError('give exactly one of --correct-intent I / --correct-slot K=V, --accept, --reject');
  if (flags.correctIntent) {
    const { builtinIntentModel } = await import('@aura/assistant');
    if (!builtinIntentModel().intents.includes(flags.correctIntent)) {
      throw new UsageError(
        `unknown intent "${flags.correctIntent}"; intents look like calendar_set, email_sendemail, alarm_set`,
      );
    }
  }
  const record = await vault.put('learning-events', {
    kind: 'feedback',
    text: decision.data.text ?? '',
    input: { decisionId: decision.id },
    output: correcting
      ? {
          ...(flags.correctIntent ? { intent: flags.correctIntent } : {}),
          ...(Object.keys(slots).length ? { slots } : {}),
        }
      : (decision.data.output ?? {}),
    feedback: correcting ? 'correction' : flags.accept ? 'positive' : 'negative',
  });
  if (flags.json) return printJson(record);
  const taught = [
    flags.correctIntent ? `it means ${flags.correctIntent}` : '',
    ...Object.entries(slots).map(([k, v]) => `${k} is ${v}`),
  ].filter(Boolean);
  progress(correcting ? `Noted: next time ${taught.join(', ')}.` : 'Noted, thank you.');
}

/** The built-in local calendar (events encrypted in the vault). */
async function calendar(client: AuraClient, [verb, ...args]: string[], flags: Flags) {
  const { LocalCalendar, extractSlots, personalContext } = await import('@aura/assistant');
  const cal = new LocalCalendar(client.vault);
  const { applied } = await personalContext(client.vault);
  const zone = applied.preferences.timeZone;
  switch (verb) {
    case 'add': {
      const title = need(args[0], 'TITLE');
      const when = need(flags.at, '--at WHEN (e.g. "tomorrow at 3pm" or an ISO time)');
      const parsed = Number.isNaN(Date.parse(when)) ? extractSlots(when, new Date(), zone).when?.start : when;
      if (!parsed) throw new UsageError(`cannot read "${when}" as a time; try "friday at 10am" or 2026-12-01T10:00`);
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
      return flags.json ? printJson(event) : progress(`Added "${title}" on ${start.toString()} (${event.id}).`);
    }
    case 'list': {
      const from = flags.from ? new Date(flags.from) : new Date(Date.now() - 24 * 3_600_000);
      const to = flags.to ? new Date(flags.to) : new Date(from.getTime() + 30 * 24 * 3_600_000);
      if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()))
        throw new UsageError('--from and --to want ISO dates such as 2026-12-01');
      const events = await cal.eventsBetween(from.toISOString(), to.toISOString());
      if (flags.json) return printJson(events);
      return printTable(
        events.map((e) => ({ id: e.id, start: e.start, end: e.end, title: e.title })),
        ['id', 'start', 'end', 'title'],
      );
    }
    case 'rm':
      await cal.remove(need(args[0], 'ID'));
      return progress('Removed.');
    case 'export':
      process.stdout.write(await cal.exportIcs());
      return;
  }
  throw new UsageError(
    'usage: aura calendar add TITLE --at WHEN [--minutes N] | list [--from D --to D] | rm ID | export',
  );
}

const STEP_MARK: Record<string, string> = {
  succeeded: 'done',
  waiting_approval: 'waiting for your approval',
  dispatched: 'running',
};

async function tasks(client: AuraClient, [verb, id]: string[], flags: Flags) {
  switch (verb) {
    case 'list': {
      const list = await client.tasks.list();
      if (flags.json) return printJson({ tasks: list });
      return printTable(
        list.map((t) => ({
          id: t.id,
          status: t.status,
          steps: String(t.steps),
          waiting: t.waitingApproval ? String(t.waitingApproval) : '',
          updated: t.updatedAt,
        })),
        ['id', 'status', 'steps', 'waiting', 'updated'],
      );
    }
    case 'show': {
      const task = await client.tasks.show(need(id, 'TASK'));
      if (flags.json)
        return printJson({ ...task, taskId: task.id, steps: task.steps.map((s) => ({ ...s, stepId: s.id })) });
      process.stdout.write(`Task ${task.id}: ${task.status}\n  "${task.request.text}"\n`);
      if (task.reason)
        process.stdout.write(`  why: ${task.reason.why}${task.reason.stepId ? ` (step ${task.reason.stepId})` : ''}\n`);
      for (const s of task.steps) {
        const result = s.result?.ok ? '' : s.result?.error ? ` - ${s.result.error}` : '';
        process.stdout.write(
          `  ${s.id}. ${s.action}${s.requiresApproval ? ' [approval]' : ''}: ${STEP_MARK[s.status] ?? s.status}` +
            `${s.attempts > 1 ? ` after ${s.attempts} attempts` : ''}${result} - ${s.why}\n`,
        );
      }
      return;
    }
  }
  throw new UsageError('usage: aura tasks list | show TASK');
}

async function decideTask(
  client: AuraClient,
  decision: 'approve' | 'reject',
  [taskId, stepId]: string[],
  flags: Flags,
) {
  const decided = await client.tasks.decide(need(taskId, 'TASK'), decision, stepId ? { stepId } : {});
  if (flags.json) return printJson({ taskId, decision, steps: decided });
  progress(
    `${decision === 'approve' ? 'Approved' : 'Rejected'} step${decided.length > 1 ? 's' : ''} ${decided.join(', ')} of task ${taskId} (signed by this device).`,
  );
}

async function plugins(client: AuraClient | undefined, [verb, name]: string[], flags: Flags) {
  const assistant = await import('@aura/assistant');
  const path = pluginsPath();
  switch (verb) {
    case undefined:
    case 'list': {
      const file = assistant.readPluginsFile(path);
      const rows = [...new Set([...assistant.BUILTIN_PLUGINS, ...Object.keys(file.plugins)])].map((n) => ({
        name: n,
        enabled: file.plugins[n]?.enabled ? 'yes' : 'no',
        kind: (assistant.BUILTIN_PLUGINS as readonly string[]).includes(n)
          ? 'built-in'
          : (file.plugins[n]?.module ?? ''),
      }));
      const permissions = Object.entries(file.permissions).map(([action, p]) => ({ action, permission: p }));
      if (flags.json) return printJson({ file: path, plugins: rows, permissions });
      printTable(rows, ['name', 'enabled', 'kind']);
      if (permissions.length) printTable(permissions, ['action', 'permission']);
      if (client && (await client.status()).loggedIn) {
        const host = await assistant.loadPluginHost(path, client.vault);
        for (const p of host.plugins().filter((x) => x.error)) progress(`${p.name}: ${p.error}`);
        await host.close();
      }
      return progress(`(${path})`);
    }
    case 'enable':
    case 'disable': {
      const plugin = need(name, 'NAME');
      const file = assistant.readPluginsFile(path);
      const entry = file.plugins[plugin];
      if (!entry && !(assistant.BUILTIN_PLUGINS as readonly string[]).includes(plugin))
        throw new UsageError(`no plugin "${plugin}"; built-in ones are ${assistant.BUILTIN_PLUGINS.join(', ')}`);
      file.plugins[plugin] = { ...(entry ?? { config: {} }), enabled: verb === 'enable' };
      mkdirSync(auraHome(), { recursive: true, mode: 0o700 });
      assistant.writePluginsFile(path, file);
      return progress(`${plugin} ${verb === 'enable' ? 'enabled' : 'disabled'}.`);
    }
    case 'add':
      if (!client) throw new UsageError('log in first');
      return addPlugin(client, name, flags);
    case 'test': {
      if (!client) throw new UsageError('log in first');
      const plugin = need(name, 'NAME');
      const host = await assistant.loadPluginHost(path, client.vault);
      try {
        const loaded = host.plugins().find((p) => p.name === plugin);
        if (!loaded) throw new UsageError(`no plugin "${plugin}" in ${path}`);
        if (!loaded.enabled)
          throw new AuraError('AURA_PLUGIN_UNAVAILABLE', `${plugin} is disabled ("aura plugins enable ${plugin}")`);
        if (!loaded.plugin) throw new AuraError('AURA_PLUGIN_UNAVAILABLE', `${plugin} did not load: ${loaded.error}`);
        const check = await loaded.plugin.validateCredentials();
        if (flags.json) printJson({ plugin, ...check });
        else progress(`${plugin}: ${check.message}`);
        if (!check.ok) throw new AuraError('AURA_PLUGIN_UNAVAILABLE', `${plugin}: ${check.message}`);
      } finally {
        await host.close();
      }
      return;
    }
  }
  throw new UsageError(
    'usage: aura plugins list | enable NAME | disable NAME | add caldav|email|google|mcp [NAME] ... | test NAME',
  );
}

const hostPort = (value: string | undefined, what: string) => {
  const m = need(value, what).match(/^([^:]+):(\d{1,5})$/);
  if (!m) throw new UsageError(`${what} wants HOST:PORT, e.g. mail.example.com:587`);
  return { host: m[1] as string, port: Number(m[2]) };
};

/**
 * `aura plugins add KIND`: asks for what the integration needs, checks it with the plugin's own
 * validateCredentials, and only then stores it — settings in plugins.yaml, secrets encrypted in
 * the vault. Nothing is written when the check fails.
 */
async function addPlugin(client: AuraClient, kindArg: string | undefined, flags: Flags) {
  const assistant = await import('@aura/assistant');
  const kind = need(kindArg, 'KIND (caldav, email, google or mcp)');
  if (!(assistant.INTEGRATION_KINDS as readonly string[]).includes(kind))
    throw new UsageError(`no integration "${kind}"; there are ${assistant.INTEGRATION_KINDS.join(', ')}`);
  const secret = (label: string) => password(label, flags.passwordStdin);
  let name: string = kind;
  let config: Record<string, unknown> = {};
  let credentials: Record<string, unknown> = {};
  switch (kind) {
    case 'caldav':
      config = {
        url: need(flags.url, '--url (the CalDAV server)'),
        ...(flags.calendar ? { calendar: flags.calendar } : {}),
      };
      credentials = { username: need(flags.username, '--username'), password: await secret('CalDAV password: ') };
      break;
    case 'email': {
      const smtp = hostPort(flags.smtp, '--smtp HOST:PORT');
      config = {
        smtp: { ...smtp, security: flags.smtpSecurity ?? (smtp.port === 465 ? 'tls' : 'starttls') },
        ...(flags.imap
          ? { imap: { ...hostPort(flags.imap, '--imap HOST:PORT'), security: flags.imapSecurity ?? 'tls' } }
          : {}),
        ...(flags.sender ? { from: flags.sender } : {}),
        ...(flags.caFile ? { caFile: flags.caFile } : {}),
      };
      credentials = { username: need(flags.username, '--username'), password: await secret('Mail password: ') };
      break;
    }
    case 'google':
      config = {
        calendarId: flags.calendar ?? 'primary',
        ...(flags.rootUrl ? { rootUrl: flags.rootUrl } : {}),
        ...(flags.tokenUrl ? { tokenUrl: flags.tokenUrl } : {}),
      };
      credentials = {
        clientId: need(flags.clientId, '--client-id (your Google OAuth client)'),
        clientSecret: await secret('OAuth client secret: '),
        refreshToken: await secret('OAuth refresh token: '),
      };
      break;
    case 'mcp': {
      name = need(flags.name, '--name (what to call this MCP server)');
      if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new UsageError('--name: lower-case letters, digits and "-"');
      const readOnly = flags.readOnly
        ? flags.readOnly
            .split(',')
            .map((t) => t.trim())
            .filter(Boolean)
        : [];
      if (flags.command) {
        const [command, ...args] = flags.command.split(/\s+/).filter(Boolean);
        config = { command, args, readOnly };
      } else config = { url: need(flags.url, '--command "CMD ARGS" or --url URL'), readOnly };
      break;
    }
  }
  const plugin = await assistant.makeIntegration(kind as never, name);
  try {
    await plugin.initialize(config, credentials);
    const check = await plugin.validateCredentials();
    if (!check.ok) throw new AuraError('AURA_PLUGIN_UNAVAILABLE', `${kind}: ${check.message}; nothing was saved`);
    const path = pluginsPath();
    const file = assistant.readPluginsFile(path);
    file.plugins[name] = { enabled: true, ...(kind === 'mcp' ? { kind: 'mcp' as const } : {}), config };
    if (Object.keys(credentials).length) await assistant.savePluginCredentials(client.vault, name, credentials);
    mkdirSync(auraHome(), { recursive: true, mode: 0o700 });
    assistant.writePluginsFile(path, file);
    if (flags.json) return printJson({ plugin: name, kind, ok: true, message: check.message });
    progress(`${name}: ${check.message}. Enabled; the credentials are encrypted in your vault.`);
  } finally {
    await plugin.close?.();
  }
}

/** `aura agent`: this device runs the user's plans until stopped. */
async function agent(client: AuraClient) {
  const assistant = await import('@aura/assistant');
  if (!(await client.status()).loggedIn)
    throw new AuraError('AURA_NOT_LOGGED_IN', 'log in (or enroll this install with "aura device enroll") first');
  const host = await assistant.loadPluginHost(pluginsPath(), client.vault);
  for (const p of host.plugins().filter((x) => x.error)) progress(`Plugin ${p.name} is not loaded: ${p.error}`);
  const provider = llmProvider(assistant);
  const runner = new assistant.Agent({
    client,
    host,
    journalPath: join(auraHome(), 'agent-journal.json'),
    ...(provider ? { provider } : {}),
    reconnect: { initialMs: 500, maxMs: Number(process.env.AURA_AGENT_RECONNECT_MAX_MS ?? 30_000) },
    log: (line) => progress(`${new Date().toISOString()} ${line}`),
  });
  progress(
    `Plugins: ${
      host
        .plugins()
        .filter((p) => p.plugin)
        .map((p) => p.name)
        .join(', ') || 'none'
    }`,
  );
  await runner.start();
  await new Promise<void>((resolve) => {
    const stop = () => {
      progress('Agent stopping…');
      void runner.stop().then(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

export async function runCommand(client: AuraClient, positionals: string[], flags: Flags): Promise<void> {
  const [noun, ...rest] = positionals;
  switch (noun) {
    case 'register':
    case 'login':
    case 'logout':
    case 'status':
    case 'password':
      await account(client, positionals, flags);
      return;
    case 'context':
    case 'people':
      await records(client, noun, rest, flags);
      return;
    case 'device':
      await devices(client, rest, flags);
      return;
    case 'keys':
      await keys(client, rest, flags);
      return;
    case 'audit':
      await auditCommand(client, rest, flags);
      return;
    case 'support':
      await supportCommand(client, rest, flags);
      return;
    case 'ask':
      await ask(client, rest, flags);
      return;
    case 'calendar':
      await calendar(client, rest, flags);
      return;
    case 'tasks':
      await tasks(client, rest, flags);
      return;
    case 'approve':
    case 'reject':
      await decideTask(client, noun, rest, flags);
      return;
    case 'plugins':
      await plugins(client, rest, flags);
      return;
    case 'agent':
      await agent(client);
      return;
    case 'feedback':
      await feedback(client, rest, flags);
      return;
  }
  throw new UsageError(`unknown command "${noun}"`);
}
