// bench:http's baseline: a bare Fastify app, one route answering what Aura's GET /health
// answers, no plugin and no logger. Run by bench/http/run.ts as a child process on the same
// Node; it prints where it listens.
import Fastify from 'fastify';

const app = Fastify();
app.get('/health', async () => ({ status: 'ok' }));
const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`listening on ${address}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
