import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { HeKeyStore, StoredHeKeys } from '@aura/assistant';
import type { AuraClient } from '@aura/client';
import { command, need, needId } from '../command.ts';
import { auraHome, heKeysPath, pluginsPath } from '../home.ts';
import { progress, render, UsageError, when } from '../output.ts';
import { confirm, interactive } from '../prompt.ts';
import { watchTask } from './notifications.ts';
import { configuredProvider } from './provider.ts';
import { memoryOf } from './records.ts';

export type Understood = Awaited<ReturnType<typeof import('@aura/assistant')['understand']>>;

/** What Aura made of a request: the intent, the plan, its questions. */
export function describePlan({ decision }: Understood): string {
  const lines = [`Intent: ${decision.intent} (${Math.round(decision.confidence * 100)}%)`];
  if (decision.slots.when)
    lines.push(`When:   ${decision.slots.when.text} -> ${when(decision.slots.when.start, { relative: false })}`);
  if (decision.people.length) lines.push(`Who:    ${decision.people.map((p) => p.name).join(', ')}`);
  if (decision.plan.length) {
    lines.push('Plan:');
    for (const [i, s] of decision.plan.entries())
      lines.push(`  ${i + 1}. ${s.action}${s.requiresApproval ? '  [needs your approval]' : ''} - ${s.why}`);
  }
  for (const q of decision.questions) lines.push(`? ${q}`);
  for (const r of decision.reasoning) lines.push(`  ${r}`);
  return `${lines.join('\n')}\n`;
}

/** aura ask --show-context: the notes retrieved for the request, and the model that was given them. */
export function describeContext({ decision }: Understood): string {
  const notes = decision.retrieved ?? [];
  if (notes.length === 0) return 'Context: none retrieved (no embeddings endpoint, or no note near the request).\n';
  const lines = [
    decision.contextSentTo
      ? `Context sent to ${decision.contextSentTo}:`
      : 'Context retrieved (sent to no model: none planned this request):',
    ...notes.map((n) => `  - ${n.text} (${n.id}, ${Math.round(n.confidence * 100)}%)`),
  ];
  return `${lines.join('\n')}\n`;
}

/** How to go on after the plan: the task to approve and follow, and how to teach. */
function nextSteps({ decision, decisionId }: Understood, taskId: string | undefined, wait: boolean): string {
  const lines: string[] = [];
  if (taskId) {
    const approvals = decision.plan.filter((s) => s.requiresApproval).length;
    lines.push(
      `Task ${taskId} submitted.${approvals ? ` Approve it with: aura approve ${taskId}` : ''}` +
        (wait ? '' : `\n(follow it with: aura tasks watch ${taskId})`),
    );
  }
  lines.push(
    `(teach me with: aura feedback ${decisionId} --accept | --reject | --correct-intent INTENT | --correct-slot person=NAME)`,
  );
  return `${lines.join('\n')}\n`;
}

/**
 * The HE path's key store: a file beside this home's state (mode 0600), like the device's other
 * secrets; one per home, for the server it was made for.
 */
const heKeyFile = (): HeKeyStore => ({
  async load() {
    const path = heKeysPath();
    return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as StoredHeKeys) : undefined;
  },
  async save(keys) {
    mkdirSync(auraHome(), { recursive: true, mode: 0o700 });
    writeFileSync(heKeysPath(), `${JSON.stringify(keys)}\n`, { mode: 0o600 });
  },
});

/**
 * The request understood and planned on this device, with the plugins of this Aura home. With
 * `he`, the intent comes from the server's evaluation of the encrypted features (decision 0021).
 */
export async function understandHere(
  client: AuraClient,
  text: string,
  options: { he?: boolean } = {},
): Promise<Understood> {
  const [assistant, { loadPluginHost }] = await Promise.all([import('@aura/assistant'), import('@aura/agent')]);
  const provider = options.he
    ? assistant.heProvider(client.api, heKeyFile(), (await import('@aura/he/client')).localEngine())
    : configuredProvider(assistant);
  const host = await loadPluginHost(pluginsPath(), client.vault);
  // Notes are retrieved by meaning when an embeddings provider is configured (decision 0022).
  const found = await memoryOf(client);
  const memory = found.provider ? found : undefined;
  // Plugins may run processes (an MCP server): closed as soon as the plan is made.
  return assistant
    .understand(client.vault, text, { host, ...(provider ? { provider } : {}), ...(memory ? { memory } : {}) })
    .then(async (understood) => {
      await memory?.flush();
      return understood;
    })
    .finally(() => host.close());
}

export const submitPlan = (client: AuraClient, text: string, { decision }: Understood) =>
  client.tasks.submit({
    request: { text, intent: decision.intent, reasoning: decision.reasoning },
    steps: decision.plan,
  });

/**
 * aura ask TEXT: understood and planned here (or by the agent with --via-agent), then submitted as
 * a task. On a terminal it shows the plan and asks first; a script says --yes (or --dry-run), and
 * --json keeps submitting a ready plan as it always has, printing the result. With --he the server
 * reads the intent from encrypted features it cannot decrypt (homomorphic encryption).
 */
export const ask = command(
  {
    'dry-run': { type: 'boolean', default: false },
    'via-agent': { type: 'boolean', default: false },
    he: { type: 'boolean', default: false },
    'show-context': { type: 'boolean', default: false },
    yes: { type: 'boolean', default: false },
    wait: { type: 'boolean', default: false },
  },
  async (client, [, ...words], flags) => {
    const { json } = flags;
    const text = need(words.join(' ').trim() || undefined, 'TEXT');
    if (flags['via-agent']) {
      // A thin client: the request goes, encrypted, to the user's agent, which plans it there.
      const requestId = await client.tasks.postRequest(text);
      return render(
        { requestId },
        {
          json,
          sentence: `Sent to your agent (request ${requestId}); it plans it as soon as it is online. See "aura tasks list".`,
        },
      );
    }
    const understood = await understandHere(client, text, { he: flags.he });
    const { decision, decisionId } = understood;
    const submittable = decision.status === 'ready' && decision.plan.length > 0 && !flags['dry-run'];
    if (!json) process.stdout.write(describePlan(understood));
    if (!json && flags['show-context']) process.stdout.write(describeContext(understood));
    let submit = submittable && (json || flags.yes);
    if (submittable && !submit) {
      if (interactive()) submit = await confirm('Submit?', false, { defaultYes: true });
      else progress('Not submitted: there is no terminal to ask on. Run it again with --yes to submit it.');
      if (!submit && interactive()) progress('Not submitted.');
    }
    const task = submit ? await submitPlan(client, text, understood) : undefined;
    await render(
      {
        taskId: task?.id ?? null,
        decisionId,
        ...decision,
        plan: decision.plan.map((s) => ({
          ...s,
          status: task?.steps.find((t) => t.id === s.id)?.status ?? 'planned',
        })),
      },
      { json, text: nextSteps(understood, task?.id, flags.wait) },
    );
    if (task && flags.wait) await watchTask(client, task.id, json);
  },
);

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

/** aura feedback ID …: teaches this user's assistant about one of its decisions. */
export const feedback = command(
  {
    accept: { type: 'boolean', default: false },
    reject: { type: 'boolean', default: false },
    'correct-intent': { type: 'string' },
    'correct-slot': { type: 'string', multiple: true },
  },
  async (client, [, id], flags) => {
    const vault = client.vault;
    const correctIntent = flags['correct-intent'];
    const decision = await vault.get('learning-events', needId(id, 'Decision', 'aura ask --json'));
    if (decision.data.kind !== 'decision') throw new UsageError(`${id} is not a decision from "aura ask"`);
    const slots = slotCorrections(flags['correct-slot']);
    const correcting = Boolean(correctIntent) || Object.keys(slots).length > 0;
    const chosen = [
      correcting ? 'correct' : null,
      flags.accept ? 'accept' : null,
      flags.reject ? 'reject' : null,
    ].filter(Boolean);
    if (chosen.length !== 1)
      throw new UsageError('give exactly one of --correct-intent I / --correct-slot K=V, --accept, --reject');
    if (correctIntent) {
      const { builtinIntentModel } = await import('@aura/assistant');
      if (!builtinIntentModel().intents.includes(correctIntent)) {
        throw new UsageError(
          `unknown intent "${correctIntent}"; intents look like calendar_set, email_sendemail, alarm_set`,
        );
      }
    }
    // Sealed with its vector when an embeddings provider is configured, like every learning event.
    const record = await (await memoryOf(client)).remember('learning-events', {
      kind: 'feedback',
      text: decision.data.text ?? '',
      input: { decisionId: decision.id },
      output: correcting
        ? {
            ...(correctIntent ? { intent: correctIntent } : {}),
            ...(Object.keys(slots).length ? { slots } : {}),
          }
        : (decision.data.output ?? {}),
      feedback: correcting ? 'correction' : flags.accept ? 'positive' : 'negative',
    });
    const taught = [
      correctIntent ? `it means ${correctIntent}` : '',
      ...Object.entries(slots).map(([k, v]) => `${k} is ${v}`),
    ].filter(Boolean);
    return render(record, {
      json: flags.json,
      sentence: correcting ? `Noted: next time ${taught.join(', ')}.` : 'Noted, thank you.',
    });
  },
);
