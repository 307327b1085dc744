// bench:http's baseline: a bare Fastify app, one route answering what Aura's GET /health
// answers, no plugin and no logger. Run by bench/http/run.ts as a child process on the same
// Node; it prints where it listens. With --async-local-storage, an AsyncLocalStorage is in use,
// as DBOS makes one in the server: on Node 20 every promise and tick then runs its async hook.
import { AsyncLocalStorage } from 'node:async_hooks';
import Fastify from 'fastify';

if (process.argv.includes('--async-local-storage')) new AsyncLocalStorage().run({}, () => {});
const app = Fastify();
app.get('/health', async () => ({ status: 'ok' }));
const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`listening on ${address}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
