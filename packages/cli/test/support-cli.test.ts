import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { signAgentKeys } from '@aura/client';
import { generateEd25519KeyPair } from '@aura/crypto';
import { migrate } from '../../server/src/db/migrate.ts';
import { createPool } from '../../server/src/db/pool.ts';
import { freshDatabase, type TestDatabase } from '../../server/test/support/database.ts';
import { type ServerProcess, spawnServer } from '../../server/test/support/process.ts';

const AURA = fileURLToPath(new URL('../bin/aura.mjs', import.meta.url));
const homes = mkdtempSync(join(tmpdir(), 'aura-support-cli-'));
const operator = generateEd25519KeyPair();
const operatorKey = Buffer.from(operator.publicKey).toString('base64');
let db: TestDatabase;
let server: ServerProcess;

before(async () => {
  db = await freshDatabase();
  const pool = createPool(db.url);
  await migrate(pool);
  await pool.end();
  server = await spawnServer({ DATABASE_URL: db.url, AURA_SUPPORT_OPERATOR_KEY: operatorKey });
});
after(async () => {
  server?.child.kill('SIGTERM');
  await server?.exited;
  await db?.drop();
  rmSync(homes, { recursive: true, force: true });
});

async function aura(home: string, args: string[], stdin = '') {
  const child = spawn(process.execPath, [AURA, '--server', server.url, ...args], {
    env: { ...process.env, AURA_HOME: join(homes, home), AURA_SUPPORT_OPERATOR_KEY: operatorKey },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += String(d);
  });
  child.stderr.on('data', (d) => {
    stderr += String(d);
  });
  child.stdin.end(stdin);
  const code = await new Promise((resolve) => child.on('exit', resolve));
  assert.equal(code, 0, `aura ${args.join(' ')}: ${stderr}`);
  return stdout;
}

it('support from the command line: request, grant, read, revoke, all in the verified audit log', {
  timeout: 180_000,
}, async () => {
  const userEmail = `support-user-${Date.now()}@example.com`;
  await aura('user', ['register', '--email', userEmail, '--password-stdin'], 'user pw 123\nuser pw 123\n');
  await aura('user', ['context', 'add', 'Invoice 7731 was charged twice']);
  await aura(
    'agent',
    ['register', '--email', `agent-${Date.now()}@example.com`, '--password-stdin'],
    'agent pw 123\nagent pw 123\n',
  );
  const state = JSON.parse(readFileSync(join(homes, 'agent', 'state.json'), 'utf8'));
  const signature = signAgentKeys(operator.secretKey, {
    name: 'Sam (support)',
    sealingPublicKey: state.device.sealing.publicKey,
    signingPublicKey: state.device.signing.publicKey,
  });
  const agent = JSON.parse(
    await aura('agent', [
      '--json',
      'support',
      'agent-register',
      '--name',
      'Sam (support)',
      '--operator-signature',
      signature,
    ]),
  );
  await aura('agent', ['support', 'request', userEmail, '--ticket', 'T-1']);
  const listed = JSON.parse(await aura('user', ['--json', 'support', 'list']));
  assert.equal(listed.requests[0].agent.id, agent.id);
  const grant = JSON.parse(
    await aura('user', ['--json', 'support', 'grant', agent.id, '--categories', 'context', '--hours', '2', '--yes']),
  );
  const read = JSON.parse(await aura('agent', ['--json', 'support', 'read', grant.grantId]));
  assert.equal(read.records[0].data.text, 'Invoice 7731 was charged twice');
  await aura('user', ['support', 'revoke', grant.grantId]);
  const log = JSON.parse(await aura('user', ['--json', 'audit', 'log'])) as { eventType: string }[];
  for (const e of ['support_access_request', 'access_grant', 'data_access', 'access_revoke']) {
    assert.ok(
      log.some((entry) => entry.eventType === e),
      e,
    );
  }
  assert.match(await aura('user', ['audit', 'verify']), /^Verified/);
});
