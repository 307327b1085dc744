import type { Vault } from '@aura/client';
import { SHIPPED_VERSION, specs } from '../catalog.ts';
import { dispatch } from '../dispatch.ts';
import { text } from '../params.ts';
import type { ActionTable, ExecutionContext, IntegrationPlugin } from '../types.ts';

/** The user's people (relationships), for "what's John's email". */
export class ContactsPlugin implements IntegrationPlugin {
  readonly manifest = {
    name: 'contacts',
    version: SHIPPED_VERSION,
    description: 'your people, from your vault',
    actions: specs('contacts.find'),
  };
  constructor(private readonly vault: Vault) {}
  async initialize() {}
  async validateCredentials() {
    return { ok: true, message: 'contacts need no credentials' };
  }

  readonly #actions: ActionTable = {
    'contacts.find': async (params) => {
      const person = await this.vault.get('relationships', text(params.person, 'person'));
      return {
        name: person.data.name,
        email: person.data.email ?? null,
        relationship: person.data.relationship ?? null,
      };
    },
  };

  executeAction(action: string, params: Record<string, unknown>, context: ExecutionContext) {
    return dispatch(this.#actions, action, params, context, `contacts cannot ${action}`);
  }
}
