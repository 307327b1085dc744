import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { StepOutcome } from '@aura/client';

/**
 * What this agent has executed, by task and step: a step the server sends again (a retry after
 * a crash, or a replay) is answered from here and never run twice. Written before the result is
 * reported, atomically, 0600 (it holds plaintext results, like the rest of this device's state).
 */
export class Journal {
  #done: Record<string, StepOutcome>;

  constructor(private readonly path: string) {
    this.#done = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')).done ?? {}) : {};
  }

  get(taskId: string, stepId: string): StepOutcome | undefined {
    return this.#done[`${taskId}/${stepId}`];
  }

  record(taskId: string, stepId: string, outcome: StepOutcome): void {
    this.#done[`${taskId}/${stepId}`] = outcome;
    const temp = `${this.path}.tmp`;
    writeFileSync(temp, JSON.stringify({ done: this.#done }), { mode: 0o600 });
    renameSync(temp, this.path);
  }
}
