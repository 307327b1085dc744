import { type IntentProvider, understand } from '@aura/assistant';
import {
  type AgentFrame,
  type AuraClient,
  type Dispatch,
  type Memory,
  Reembedder,
  readAgentFrame,
  type StepOutcome,
} from '@aura/client';
import { AuraError } from '@aura/errors';
import WebSocket from 'ws';
import { Journal } from './journal.ts';
import { RemindersPlugin } from './plugins/builtin/reminders.ts';
import type { PluginHost } from './plugins/host.ts';
import { idFor } from './plugins/ids.ts';
import { PluginError } from './plugins/types.ts';

export interface AgentOptions {
  client: AuraClient;
  host: PluginHost;
  journalPath: string;
  log?: (line: string) => void;
  provider?: IntentProvider;
  /** Reconnect backoff: doubles from `initialMs` up to `maxMs`. */
  reconnect?: { initialMs: number; maxMs: number };
  /** How often due reminders are checked. */
  reminderIntervalMs?: number;
  /**
   * Retrieval by meaning for the requests it plans; with a provider, records without a vector of
   * its model are re-embedded in the background (a change of model, another device's endpoint down).
   */
  memory?: Memory;
  /** How often the background re-embedding looks for records without a vector (default 10 min), and first retries a failed pass (5 s). */
  reembed?: { intervalMs?: number; retryMs?: number };
}

const NOUNS: Record<string, string> = {
  contexts: 'notes',
  relationships: 'people',
  'learning-events': 'learning events',
};

/**
 * `aura agent`: an enrolled device of the user that runs unattended. It keeps a WebSocket to the
 * server, plans the requests other clients post, and executes approved steps through plugins,
 * checking each approval itself first. Work is taken one item at a time, in order.
 */
export class Agent {
  readonly #journal: Journal;
  readonly #log: (line: string) => void;
  #socket: WebSocket | undefined;
  #stopped = false;
  #queue: Promise<void> = Promise.resolve();
  /** Whether this connection's first hello came (a later one is work waiting elsewhere). */
  #greeted = false;
  #retryTimer: NodeJS.Timeout | undefined;
  #reminderTimer: NodeJS.Timeout | undefined;
  #backoff: number;
  #connected: (() => void) | undefined;
  #reembedder: Reembedder | undefined;

  constructor(private readonly options: AgentOptions) {
    this.#journal = new Journal(options.journalPath);
    this.#log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.#backoff = options.reconnect?.initialMs ?? 500;
  }

  /** Connects (and keeps reconnecting); resolves once the first connection is open. */
  start(): Promise<void> {
    const first = new Promise<void>((resolve) => {
      this.#connected = resolve;
    });
    void this.#connect();
    this.#startReembedding();
    const reminders = this.options.host.plugins().find((p) => p.plugin instanceof RemindersPlugin)?.plugin as
      | RemindersPlugin
      | undefined;
    if (reminders)
      this.#reminderTimer = setInterval(
        () =>
          void reminders
            .due()
            .then((due) => {
              for (const r of due) this.#log(`Reminder: ${r.text} (${new Date(r.at).toString()})`);
            })
            .catch(() => {}),
        this.options.reminderIntervalMs ?? 30_000,
      );
    return first;
  }

  /** Resolves when the background re-embedding has next left every record with a vector of the model. */
  reembedded(): Promise<void> {
    return this.#reembedder?.idle() ?? Promise.resolve();
  }

  #startReembedding() {
    const memory = this.options.memory;
    if (!memory?.provider) return;
    const model = memory.provider.model;
    this.#reembedder = new Reembedder(memory, {
      ...this.options.reembed,
      onProgress: ({ collection, done, total }) => {
        // A line per batch of 32 and at the end: progress a person can follow in the log.
        if (done === total || done % 32 === 0)
          this.#log(`Re-embedding ${NOUNS[collection] ?? collection} with ${model}: ${done}/${total}`);
      },
      onError: (error, wait) =>
        this.#log(
          `Re-embedding paused (${error.message}); it resumes where it stopped in ${Math.round(wait / 100) / 10} s.`,
        ),
      onIdle: (count) => {
        if (count > 0) this.#log(`Re-embedding done: ${count} records have vectors of ${model}.`);
      },
    }).start();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    clearInterval(this.#reminderTimer);
    await this.#reembedder?.stop();
    this.#socket?.close(1000, 'agent stopping');
    await this.#queue;
    await this.options.host.close();
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    const { client } = this.options;
    try {
      // An authenticated call first: it refreshes the access token if it has expired.
      await client.tasks.certifyThisDevice();
      const token = client.api.tokens?.accessToken;
      if (!token) throw new AuraError('AURA_NOT_LOGGED_IN', 'the agent needs a logged-in device');
      const url = `${client.api.baseUrl.replace(/^http/, 'ws')}/api/v1/agent/connect`;
      const socket = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
      this.#socket = socket;
      socket.on('open', () => {
        this.#backoff = this.options.reconnect?.initialMs ?? 500;
        this.#log('Agent connected; waiting for work.');
        this.#connected?.();
        this.#connected = undefined;
        this.#enqueue(() => this.#catchUp());
        this.#greeted = false;
      });
      socket.on('message', (data) => this.#onMessage(String(data)));
      socket.on('close', () => this.#retry('connection closed'));
      socket.on('error', (error) => this.#log(`Agent connection error: ${error.message}`));
    } catch (error) {
      this.#retry((error as Error).message);
    }
  }

  #retry(why: string) {
    if (this.#stopped || this.#retryTimer) return;
    const wait = this.#backoff;
    this.#backoff = Math.min(this.#backoff * 2, this.options.reconnect?.maxMs ?? 30_000);
    this.#log(`Agent disconnected (${why}); reconnecting in ${Math.round(wait / 100) / 10} s.`);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.#connect();
    }, wait);
  }

  #onMessage(raw: string) {
    let frame: AgentFrame;
    try {
      frame = readAgentFrame(raw);
    } catch (error) {
      // Nothing is lost with a bad frame: what it would have carried comes again as pending work.
      this.#log(`Agent: ${(error as Error).message}`);
      return;
    }
    // The first hello of a connection says what opening it already did: catch up. A later one is
    // work that another server process has for this agent: claim it now.
    if (frame.type === 'hello') {
      if (this.#greeted) this.#enqueue(() => this.#catchUp());
      this.#greeted = true;
    } else if (frame.type === 'dispatch') {
      const d = frame.dispatch;
      this.#enqueue(() => this.#execute(d));
    } else if (frame.type === 'request') {
      const r = frame.request;
      this.#enqueue(() => this.#plan(r));
    }
  }

  #enqueue(work: () => Promise<void>) {
    this.#queue = this.#queue.then(work).catch((error: Error) => this.#log(`Agent: ${error.message}`));
  }

  /** What waited while this agent was offline; one bad item does not hold up the others. */
  async #catchUp() {
    const pending = await this.options.client.tasks.claim();
    for (const r of pending.requests)
      await this.#plan(r).catch((error: Error) => this.#log(`Request ${r.id}: ${error.message}`));
    for (const d of pending.dispatches)
      await this.#execute(d).catch((error: Error) => this.#log(`Step ${d.stepId} of ${d.taskId}: ${error.message}`));
  }

  async #plan(r: { id: string; ciphertext: string }) {
    const tasks = this.options.client.tasks;
    // A request is planned once: sent again (a replay, or both by WebSocket and as pending work),
    // it is only marked done.
    if (this.#journal.planned(r.id)) {
      await tasks.requestDone(r.id);
      return;
    }
    let text: string;
    try {
      text = tasks.openRequest(r).text;
    } catch (error) {
      this.#log(`Request ${r.id} does not open (${(error as Error).message}); dropped.`);
      await tasks.requestDone(r.id);
      return;
    }
    const memory = this.options.memory?.provider ? this.options.memory : undefined;
    // Notes other devices wrote since the last request are found too.
    await memory?.refresh('contexts');
    const { decision, decisionId } = await understand(this.options.client.vault, text, {
      host: this.options.host,
      ...(this.options.provider ? { provider: this.options.provider } : {}),
      ...(memory ? { memory } : {}),
    });
    await memory?.flush();
    if (decision.status === 'ready' && decision.plan.length > 0) {
      // The task's id comes from the request's: submitting it again finds the same task.
      const id = await idFor(`request/${r.id}`);
      const task = await tasks.submit({
        id,
        request: { text, intent: decision.intent, reasoning: decision.reasoning },
        steps: decision.plan,
      });
      this.#journal.plan(r.id, task.id);
      this.#log(`Planned "${text}" as task ${task.id} (${decision.plan.length} steps; decision ${decisionId}).`);
    } else {
      this.#journal.plan(r.id, '');
      this.#log(`"${text}": ${decision.questions.join(' ') || decision.reasoning.at(-1) || decision.status}`);
    }
    await tasks.requestDone(r.id);
  }

  async #execute(d: Dispatch) {
    const tasks = this.options.client.tasks;
    const done = this.#journal.get(d.taskId, d.stepId);
    if (done) {
      // Already executed (the server asked again after a crash), or found interrupted and so
      // failed for good: answer the same, do not run it again. A later attempt of an interrupted
      // step arrives when the server timed out the one this agent answered late.
      await tasks.report(d, done);
      return;
    }
    if (this.#journal.interrupted(d.taskId, d.stepId)) {
      // This agent stopped while the step ran: whether it took effect is unknown, so it is
      // not run again behind the user's back.
      const outcome = {
        ok: false,
        retryable: false,
        error: 'the agent stopped while this step ran; it may or may not have taken effect, and is not run again',
      };
      this.#journal.record(d.taskId, d.stepId, outcome);
      await tasks.report(d, outcome);
      return;
    }
    let outcome: StepOutcome;
    let started = false;
    try {
      const step = await tasks.verifyDispatch(d, () => this.options.client.verifiedDevices());
      // An action that changes something runs unapproved only where this agent's own
      // plugins.yaml allows it, whatever the plan (made on another device) says.
      if (!step.requiresApproval && this.options.host.needsApproval(step.action))
        throw new AuraError(
          'AURA_ACTION_NOT_PERMITTED',
          `${step.action} needs your approval here (plugins.yaml on the agent says "ask"); the plan did not ask for it`,
        );
      const results = step.dependsOn.length ? await this.#dependencies(d.taskId, step.dependsOn) : {};
      const params = resolveReferences(step.params, step.dependsOn, results);
      this.#log(`Running ${step.action} (task ${d.taskId}, step ${d.stepId}, attempt ${d.attempt}).`);
      this.#journal.start(d.taskId, d.stepId);
      started = true;
      const output = await this.options.host.execute(step.action, params, {
        taskId: d.taskId,
        stepId: d.stepId,
        idempotencyKey: `${d.taskId}/${d.stepId}`,
      });
      outcome = { ok: true, output: fitResult(output) };
    } catch (error) {
      const retryable =
        error instanceof PluginError
          ? error.retryable
          : !(
              error instanceof AuraError &&
              [
                'AURA_APPROVAL_INVALID',
                'AURA_ACTION_NOT_PERMITTED',
                'AURA_PLUGIN_UNAVAILABLE',
                'AURA_SERVER_MISBEHAVED',
                'AURA_CRYPTO_DECRYPT_FAILED',
              ].includes(error.code)
            );
      outcome = { ok: false, retryable, error: (error as Error).message.slice(0, 2000) };
      this.#log(`Step ${d.stepId} of task ${d.taskId} failed: ${outcome.error}`);
    }
    if (outcome.ok) this.#journal.record(d.taskId, d.stepId, outcome);
    else if (started) this.#journal.release(d.taskId, d.stepId);
    await tasks.report(d, outcome);
  }

  /** The results of the steps this one depends on; each must have succeeded. */
  async #dependencies(taskId: string, dependsOn: string[]): Promise<Record<string, unknown>> {
    const task = await this.options.client.tasks.show(taskId);
    const results: Record<string, unknown> = {};
    for (const id of dependsOn) {
      const outcome = this.#journal.get(taskId, id) ?? task.steps.find((s) => s.id === id)?.result ?? undefined;
      if (!outcome?.ok)
        throw new AuraError('AURA_SERVER_MISBEHAVED', `step ${id}, which this one depends on, has not succeeded`);
      results[id] = outcome.output;
    }
    return results;
  }
}

/** A parameter naming an earlier step ("event": "s2") means that step's output. */
function resolveReferences(params: Record<string, unknown>, dependsOn: string[], results: Record<string, unknown>) {
  const resolved = { ...params };
  for (const [name, value] of Object.entries(params))
    if (typeof value === 'string' && dependsOn.includes(value)) resolved[name] = results[value];
  return resolved;
}

/** Results travel encrypted in at most 64 KiB: a larger one is cut, and says so. */
const RESULT_BUDGET = 40_000;
function fitResult(output: unknown): unknown {
  const json = JSON.stringify(output ?? null);
  return json.length <= RESULT_BUDGET ? output : { truncated: true, preview: json.slice(0, RESULT_BUDGET) };
}
