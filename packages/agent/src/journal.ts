import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { StepOutcome } from '@aura/client';

interface Entries {
  done: Record<string, StepOutcome>;
  /** Steps begun and not finished: if the agent died in between, they are not run again. */
  started: Record<string, string>;
  /** Requests already planned (a request sent again is not planned twice). */
  requests: Record<string, string>;
}

/**
 * What this agent has executed, by task and step: a step the server sends again (a retry after
 * a crash, or a replay) is answered from here and never run twice. A step is marked started
 * before it runs and done before its result is reported; writes are atomic, 0600 (the journal
 * holds plaintext results, like the rest of this device's state).
 */
export class Journal {
  #entries: Entries;

  constructor(private readonly path: string) {
    const read = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Partial<Entries>) : {};
    this.#entries = { done: read.done ?? {}, started: read.started ?? {}, requests: read.requests ?? {} };
  }

  get(taskId: string, stepId: string): StepOutcome | undefined {
    return this.#entries.done[`${taskId}/${stepId}`];
  }

  /** Whether the step was begun and its outcome never recorded (the agent stopped in between). */
  interrupted(taskId: string, stepId: string): boolean {
    const key = `${taskId}/${stepId}`;
    return key in this.#entries.started && !(key in this.#entries.done);
  }

  start(taskId: string, stepId: string): void {
    this.#entries.started[`${taskId}/${stepId}`] = new Date().toISOString();
    this.#save();
  }

  record(taskId: string, stepId: string, outcome: StepOutcome): void {
    const key = `${taskId}/${stepId}`;
    this.#entries.done[key] = outcome;
    delete this.#entries.started[key];
    this.#save();
  }

  /** Forgets that a step began (it failed cleanly and may be attempted again). */
  release(taskId: string, stepId: string): void {
    delete this.#entries.started[`${taskId}/${stepId}`];
    this.#save();
  }

  planned(requestId: string): string | undefined {
    return this.#entries.requests[requestId];
  }

  plan(requestId: string, taskId: string): void {
    this.#entries.requests[requestId] = taskId;
    this.#save();
  }

  #save() {
    const temp = `${this.path}.tmp`;
    writeFileSync(temp, JSON.stringify(this.#entries), { mode: 0o600 });
    renameSync(temp, this.path);
  }
}
