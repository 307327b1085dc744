import { command, need, needId } from '../command.ts';
import { pluginsPath } from '../home.ts';
import { render, UsageError } from '../output.ts';
import { configuredProvider } from './provider.ts';

type Understood = Awaited<ReturnType<typeof import('@aura/assistant')['understand']>>;

/** What `aura ask` tells a person: the intent, the plan, the questions, and how to go on. */
function describe({ decision, decisionId }: Understood, taskId: string | undefined): string {
  const lines = [`Intent: ${decision.intent} (${Math.round(decision.confidence * 100)}%)`];
  if (decision.slots.when)
    lines.push(`When:   ${decision.slots.when.text} -> ${new Date(decision.slots.when.start).toString()}`);
  if (decision.people.length) lines.push(`Who:    ${decision.people.map((p) => p.name).join(', ')}`);
  if (decision.plan.length) {
    lines.push('Plan:');
    for (const [i, s] of decision.plan.entries())
      lines.push(`  ${i + 1}. ${s.action}${s.requiresApproval ? '  [needs your approval]' : ''} - ${s.why}`);
  }
  for (const q of decision.questions) lines.push(`? ${q}`);
  for (const r of decision.reasoning) lines.push(`  ${r}`);
  if (taskId) {
    const approvals = decision.plan.filter((s) => s.requiresApproval).length;
    lines.push(
      `Task ${taskId} submitted${approvals ? `; approve it with: aura approve ${taskId}` : ''} (follow it with: aura tasks show ${taskId})`,
    );
  }
  lines.push(
    `(teach me with: aura feedback ${decisionId} --accept | --reject | --correct-intent INTENT | --correct-slot person=NAME)`,
  );
  return `${lines.join('\n')}\n`;
}

/** aura ask TEXT: understood and planned here (or by the agent with --via-agent), submitted as a task. */
export const ask = command(
  { 'dry-run': { type: 'boolean', default: false }, 'via-agent': { type: 'boolean', default: false } },
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
    const [assistant, { loadPluginHost }] = await Promise.all([import('@aura/assistant'), import('@aura/agent')]);
    const provider = configuredProvider(assistant);
    const host = await loadPluginHost(pluginsPath(), client.vault);
    // Plugins may run processes (an MCP server): closed as soon as the plan is made.
    const understood = await assistant
      .understand(client.vault, text, { host, ...(provider ? { provider } : {}) })
      .finally(() => host.close());
    const { decision, decisionId } = understood;
    // A ready plan becomes a task the server runs; --dry-run only shows it.
    const task =
      decision.status === 'ready' && decision.plan.length > 0 && !flags['dry-run']
        ? await client.tasks.submit({
            request: { text, intent: decision.intent, reasoning: decision.reasoning },
            steps: decision.plan,
          })
        : undefined;
    return render(
      {
        taskId: task?.id ?? null,
        decisionId,
        ...decision,
        plan: decision.plan.map((s) => ({
          ...s,
          status: task?.steps.find((t) => t.id === s.id)?.status ?? 'planned',
        })),
      },
      { json, text: describe(understood, task?.id) },
    );
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
    const record = await vault.put('learning-events', {
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
