import type { Vault } from '@aura/client';
import { SHIPPED_VERSION, specs } from '../catalog.ts';
import { dispatch } from '../dispatch.ts';
import { idFor } from '../ids.ts';
import { text, time } from '../params.ts';
import type { ActionTable, ExecutionContext, IntegrationPlugin } from '../types.ts';

/** Reminders, encrypted in the vault; the agent tells you when one is due. */
export class RemindersPlugin implements IntegrationPlugin {
  readonly manifest = {
    name: 'reminders',
    version: SHIPPED_VERSION,
    description: 'reminders, kept encrypted in your vault',
    actions: specs('reminders.create'),
  };
  constructor(private readonly vault: Vault) {}
  async initialize() {}
  async validateCredentials() {
    return { ok: true, message: 'reminders need no credentials' };
  }

  readonly #actions: ActionTable = {
    'reminders.create': async (params, context) => {
      const at = new Date(time(params.at, 'at')).toISOString();
      const id = await idFor(context.idempotencyKey);
      const existing = await this.vault.get('contexts', id).catch(() => undefined);
      if (!existing)
        await this.vault.put(
          'contexts',
          { text: text(params.text, 'text'), type: 'reminder', fields: { at, done: false } },
          { id },
        );
      return { id, at };
    },
  };

  executeAction(action: string, params: Record<string, unknown>, context: ExecutionContext) {
    return dispatch(this.#actions, action, params, context, `reminders cannot ${action}`);
  }

  /** Reminders due by `now` and not yet told; marked told. */
  async due(now = new Date()): Promise<{ id: string; text: string; at: string }[]> {
    const due: { id: string; text: string; at: string }[] = [];
    for (const r of await this.vault.list('contexts')) {
      const f = r.data.fields as { at?: string; done?: boolean } | undefined;
      if (r.data.type !== 'reminder' || !f?.at || f.done || Date.parse(f.at) > now.getTime()) continue;
      await this.vault.update('contexts', r, { ...r.data, fields: { ...f, done: true } });
      due.push({ id: r.id, text: r.data.text, at: f.at });
    }
    return due;
  }
}
