import { expose } from 'comlink';
import { asWebError, KeysService } from './service.ts';

const service = new KeysService();

// A thrown AuraError reaches the page as plain data, its code and message (Comlink would keep
// only an Error's message): every method's failure is turned into that here.
expose(
  new Proxy(service, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        try {
          return await value.apply(target, args);
        } catch (error) {
          throw asWebError(error);
        }
      };
    },
  }),
);
