import type { Vault, VaultRecord } from '@aura/client';
import { SHIPPED_VERSION, specs } from '../catalog.ts';
import { dispatch } from '../dispatch.ts';
import { text } from '../params.ts';
import type { ActionTable, ExecutionContext, IntegrationPlugin } from '../types.ts';

/** Lists and notes, encrypted in the vault. */
export class ListsPlugin implements IntegrationPlugin {
  readonly manifest = {
    name: 'lists',
    version: SHIPPED_VERSION,
    description: 'lists and notes, kept encrypted in your vault',
    actions: specs('lists.add_item', 'lists.remove_item', 'lists.show'),
  };
  constructor(private readonly vault: Vault) {}
  async initialize() {}
  async validateCredentials() {
    return { ok: true, message: 'lists need no credentials' };
  }

  async #list(params: Record<string, unknown>) {
    const name = text(params.list ?? 'shopping', 'list');
    const record: VaultRecord<'contexts'> | undefined = (await this.vault.list('contexts')).find(
      (r) => r.data.type === 'list' && r.data.text.toLowerCase() === name.toLowerCase(),
    );
    const items = ((record?.data.fields as { items?: string[] } | undefined)?.items ?? []).slice();
    return { name, record, items };
  }

  readonly #actions: ActionTable = {
    'lists.show': async (params) => {
      const { name, items } = await this.#list(params);
      return { list: name, items };
    },
    'lists.add_item': async (params) => {
      const { name, record, items } = await this.#list(params);
      const item = text(params.item, 'item');
      // Adding what is there already changes nothing: a retried add does not duplicate.
      if (!items.some((i) => i.toLowerCase() === item.toLowerCase())) {
        items.push(item);
        if (record) await this.vault.update('contexts', record, { ...record.data, fields: { items } });
        else await this.vault.put('contexts', { text: name, type: 'list', fields: { items } });
      }
      return { list: name, items };
    },
    'lists.remove_item': async (params) => {
      const { name, record, items } = await this.#list(params);
      const item = text(params.item, 'item').toLowerCase();
      // Items are matched as people say them: "eggs" takes "Eggs" (and "eggs" takes "egg") off.
      const same = (i: string) => {
        const a = i.toLowerCase();
        return a === item || a.replace(/s$/, '') === item.replace(/s$/, '');
      };
      const kept = items.filter((i) => !same(i));
      // Not there (or taken off by an earlier attempt of this step): done, and said so.
      if (kept.length === items.length)
        return {
          list: name,
          removed: [],
          items,
          message: `${params.item} is not on your ${name} list${items.length ? ` (it has ${items.join(', ')})` : ' (it is empty)'}`,
        };
      if (record) await this.vault.update('contexts', record, { ...record.data, fields: { items: kept } });
      return { list: name, removed: items.filter(same), items: kept };
    },
  };

  executeAction(action: string, params: Record<string, unknown>, context: ExecutionContext) {
    return dispatch(this.#actions, action, params, context, `lists cannot ${action}`);
  }
}
