import type { Vault } from '@aura/client';
import { SHIPPED_VERSION, specs } from '../catalog.ts';
import { dispatch } from '../dispatch.ts';
import { idFor } from '../ids.ts';
import { text, time } from '../params.ts';
import { type ActionTable, type ExecutionContext, type IntegrationPlugin, PluginError } from '../types.ts';

/**
 * Reminders, encrypted in the vault; the agent tells you when one is due. A reminder without a
 * time is a to-do: kept and listed until ticked off, never due.
 */
export class RemindersPlugin implements IntegrationPlugin {
  readonly manifest = {
    name: 'reminders',
    version: SHIPPED_VERSION,
    description: 'reminders, kept encrypted in your vault',
    actions: specs('reminders.create', 'reminders.list'),
  };
  constructor(private readonly vault: Vault) {}
  async initialize() {}
  async validateCredentials() {
    return { ok: true, message: 'reminders need no credentials' };
  }

  readonly #actions: ActionTable = {
    'reminders.create': async (params, context) => {
      const at = params.at === undefined || params.at === null ? null : new Date(time(params.at, 'at')).toISOString();
      const id = await idFor(context.idempotencyKey);
      const existing = await this.vault.get('contexts', id).catch(() => undefined);
      if (!existing)
        await this.vault.put(
          'contexts',
          { text: text(params.text, 'text'), type: 'reminder', fields: { ...(at ? { at } : {}), done: false } },
          { id },
        );
      return { id, text: params.text, at };
    },
    'reminders.list': async (params) => ({
      reminders: (await this.list()).filter((r) => params.done === true || !r.done),
    }),
  };

  executeAction(action: string, params: Record<string, unknown>, context: ExecutionContext) {
    return dispatch(this.#actions, action, params, context, `reminders cannot ${action}`);
  }

  /** Every reminder and to-do, the timed ones by time first, then the to-dos by when they were added. */
  async list(): Promise<{ id: string; text: string; at: string | null; done: boolean }[]> {
    return (await this.vault.list('contexts'))
      .filter((r) => r.data.type === 'reminder')
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .map((r) => {
        const f = (r.data.fields ?? {}) as { at?: string; done?: boolean };
        return { id: r.id, text: r.data.text, at: f.at ?? null, done: Boolean(f.done) };
      })
      .sort((a, b) => (a.at ?? '\uffff').localeCompare(b.at ?? '\uffff'));
  }

  /** Ticks a reminder or to-do off (again: a second time changes nothing). */
  async done(id: string): Promise<void> {
    const r = await this.vault.get('contexts', id).catch(() => undefined);
    if (r?.data.type !== 'reminder') throw new PluginError(`no reminder ${id}`, false);
    const f = (r.data.fields ?? {}) as Record<string, unknown>;
    if (!f.done) await this.vault.update('contexts', r, { ...r.data, fields: { ...f, done: true } });
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
