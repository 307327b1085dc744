import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { signAgentKeys } from '@aura/client';
import { generateEd25519KeyPair } from '@aura/crypto';
import { runAura, serverForCli } from './support/harness.ts';

const homes = mkdtempSync(join(tmpdir(), 'aura-support-cli-'));
const operator = generateEd25519KeyPair();
const operatorKey = Buffer.from(operator.publicKey).toString('base64');
let cli: Awaited<ReturnType<typeof serverForCli>>;

before(async () => {
  cli = await serverForCli({ AURA_SUPPORT_OPERATOR_KEY: operatorKey });
});
after(async () => {
  await cli?.stop();
  rmSync(homes, { recursive: true, force: true });
});

async function aura(home: string, args: string[], stdin = '') {
  const run = await runAura(cli.server.url, join(homes, home), args, {
    stdin,
    env: { AURA_SUPPORT_OPERATOR_KEY: operatorKey },
  });
  assert.equal(run.code, 0, `aura ${args.join(' ')}: ${run.stderr}`);
  return run.stdout;
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
