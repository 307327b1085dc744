// A plugin that does nothing and notes when it was asked: the benchmark measures the workflow,
// not a plugin.
export default function noopPlugin() {
  globalThis.auraBenchStarts ??= new Map();
  return {
    name: 'noop',
    description: 'does nothing, quickly',
    async initialize() {},
    getAvailableActions() {
      return [
        { name: 'bench.noop', description: 'nothing', externalSideEffects: false, params: {} },
        { name: 'bench.approved', description: 'nothing, after approval', externalSideEffects: true, params: {} },
      ];
    },
    async validateCredentials() {
      return { ok: true, message: 'nothing to check' };
    },
    async executeAction(_action, _params, context) {
      globalThis.auraBenchStarts.set(context.idempotencyKey, performance.now());
      return { ok: true };
    },
  };
}
