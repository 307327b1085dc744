import { type DeviceKeys, generateDeviceKeys } from './keys.ts';
import { HeSession } from './session.ts';

/**
 * The device's CKKS operations behind one asynchronous interface, so they can run where the
 * caller is (`localEngine`) or in a worker of their own: the dashboard runs them in a worker
 * whose policy allows the eval that node-seal's bindings need, apart from the keys worker
 * (decision 0021). Each call names the key by its key set id; the engine keeps one session.
 */
export interface HeEngine {
  generateDeviceKeys(steps: readonly number[]): Promise<DeviceKeys>;
  encrypt(keySetId: string, secretKey: Uint8Array, features: Float64Array): Promise<Uint8Array>;
  decrypt(keySetId: string, secretKey: Uint8Array, result: Uint8Array, count: number): Promise<Float64Array>;
}

export function localEngine(): HeEngine {
  let current: { keySetId: string; session: Promise<HeSession> } | undefined;
  const session = (keySetId: string, secretKey: Uint8Array) => {
    if (current?.keySetId !== keySetId) current = { keySetId, session: HeSession.open(secretKey) };
    return current.session;
  };
  return {
    generateDeviceKeys,
    encrypt: async (keySetId, secretKey, features) => (await session(keySetId, secretKey)).encrypt(features),
    decrypt: async (keySetId, secretKey, result, count) => (await session(keySetId, secretKey)).decrypt(result, count),
  };
}
