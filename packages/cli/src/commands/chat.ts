import { createInterface, type Interface } from 'node:readline';
import type { AuraClient } from '@aura/client';
import { isAuraError } from '@aura/errors';
import { command } from '../command.ts';
import { UsageError } from '../output.ts';
import { describePlan, submitPlan, type Understood, understandHere } from './ask.ts';
import { ENDED, taskFrom } from './notifications.ts';

const YES = /^(y|yes|ok|sure)?$/i;

/**
 * A question's answer folded into the request it was asked about: the person named instead of
 * the ambiguous or misspelt name, anything else (a time, a place) added to the words.
 */
export function refine(text: string, question: string, answer: string): string {
  const which = /^Which (.+?) do you mean: /.exec(question);
  const misspelt = /^Did you mean (.+?)\? I do not have anyone called (.+?) among/.exec(question);
  const unknown = /^Who is (.+?)\? /.exec(question);
  const named = which?.[1] ?? misspelt?.[2] ?? unknown?.[1];
  if (named) {
    // "yes" to a single suggestion takes it; otherwise the answer is the name.
    const only = misspelt?.[1] && !/ or |, /.test(misspelt[1]) ? misspelt[1] : undefined;
    const person = only && YES.test(answer) ? only : answer;
    const at = text.toLowerCase().indexOf(named.toLowerCase());
    if (at >= 0) return `${text.slice(0, at)}${person}${text.slice(at + named.length)}`;
  }
  return `${text} ${answer}`;
}

/** The chat's terminal: one readline for the prompt and every question, so typing never goes astray. */
class Conversation {
  readonly #rl: Interface;
  // Lines are read through the iterator, which keeps those typed (or piped) ahead of the question.
  readonly #lines: AsyncIterator<string>;
  #following: AbortController | undefined;
  constructor(private readonly client: AuraClient) {
    this.#rl = createInterface({
      input: process.stdin,
      output: process.stderr,
      terminal: Boolean(process.stdin.isTTY),
    });
    this.#lines = this.#rl[Symbol.asyncIterator]();
    // Ctrl-C while following a task goes back to the prompt; at the prompt it leaves.
    this.#rl.on('SIGINT', () => {
      if (this.#following) this.#following.abort();
      else this.#rl.close();
    });
  }

  say(line: string): void {
    process.stdout.write(`${line}\n`);
  }

  async ask(question: string): Promise<string | undefined> {
    this.#rl.setPrompt(question);
    this.#rl.prompt();
    const next = await this.#lines.next();
    if (!process.stdin.isTTY) process.stderr.write('\n');
    return next.done ? undefined : next.value.trim(); // done: Ctrl-D, Ctrl-C or the end of the input
  }

  async yes(question: string): Promise<boolean> {
    const answer = await this.ask(`${question} [Y/n] `);
    return answer !== undefined && YES.test(answer);
  }

  async run(): Promise<void> {
    this.say('Aura is listening. Ask for something; an empty line or Ctrl-D leaves.');
    for (;;) {
      const text = await this.ask('> ');
      if (!text) break;
      try {
        await this.request(text);
      } catch (error) {
        // One request failing (a server error, a refused approval) does not end the conversation.
        this.say(`! ${isAuraError(error) ? `${error.message} (${error.code})` : (error as Error).message}`);
      }
    }
    this.#rl.close();
  }

  async request(first: string): Promise<void> {
    let text = first;
    let understood: Understood = await understandHere(this.client, text);
    // Its questions are answered here, up to a few rounds, and the request is read again with the answers.
    for (
      let round = 0;
      understood.decision.status !== 'ready' && understood.decision.questions.length && round < 3;
      round++
    ) {
      process.stdout.write(describePlan(understood));
      const question = understood.decision.questions[0] ?? '';
      const answer = await this.ask(`${question}\n>> `);
      if (!answer) return this.say('Left as it is.');
      text = refine(text, question, answer);
      understood = await understandHere(this.client, text);
    }
    process.stdout.write(describePlan(understood));
    if (understood.decision.status !== 'ready' || understood.decision.plan.length === 0)
      return this.say('Nothing to do for that.');
    if (!(await this.yes('Submit?'))) return this.say('Not submitted.');
    const task = await submitPlan(this.client, text, understood);
    this.say(`Task ${task.id} submitted.`);
    await this.follow(task.id);
  }

  /** The task's approvals asked for inline, its progress shown, until it ends or Ctrl-C. */
  async follow(taskId: string): Promise<void> {
    const { task: now, follow } = await taskFrom(this.client, taskId);
    const following = new AbortController();
    this.#following = following;
    let queue = Promise.resolve();
    const handle = async (event: string, stepId: string | undefined, why: string | undefined) => {
      if (event === 'approval_requested' && stepId) return this.approve(taskId, stepId);
      if (event === 'step_succeeded') this.say(`  step ${stepId} done`);
      else if (event === 'step_failed' || event === 'step_timeout')
        this.say(`  step ${stepId} ${event.slice(5).replace('timeout', 'timed out')}${why ? `: ${why}` : ''}`);
      else if (ENDED.has(event)) {
        this.say(`Task ${event}${why ? ` (${why})` : ''}.`);
        following.abort();
      }
    };
    // A step may already wait (its request was sent before the cursor was read).
    const waiting = now.steps.find((s) => s.status === 'waiting_approval');
    if (waiting) await this.approve(taskId, waiting.id);
    if (ENDED.has(now.status)) return this.say(`Task ${now.status}.`);
    this.say('  (following the task; Ctrl-C goes back to the prompt)');
    try {
      await follow((n) => {
        queue = queue.then(() => handle(n.event, n.stepId, n.why)).catch((error) => this.say(`! ${error.message}`));
      }, following.signal);
      await queue;
    } finally {
      this.#following = undefined;
    }
  }

  async approve(taskId: string, stepId: string): Promise<void> {
    const task = await this.client.tasks.show(taskId);
    const step = task.steps.find((s) => s.id === stepId);
    if (step?.status !== 'waiting_approval') return;
    const yes = await this.yes(`  Step ${stepId}: ${step.action} - ${step.why}. Approve?`);
    const decided = await this.client.tasks.decide(taskId, yes ? 'approve' : 'reject', { stepId });
    this.say(`  ${yes ? 'Approved' : 'Rejected'} step ${decided.join(', ')} (signed by this device).`);
  }
}

/** aura chat: a conversation on the terminal — ask, see the plan, submit, approve, follow. */
export const chat = command({}, async (client) => {
  if (!(await client.status()).loggedIn) throw new UsageError('log in first: aura login --email E (or aura setup)');
  await new Conversation(client).run();
});
