import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { databasePool } from '@aura/testing';
import { EXIT } from '../src/output.ts';
import { runAura, serverForCli } from './support/harness.ts';

/** M1 through the `aura` command: KDF parameters edited in the database end in the tampering exit code. */

const homes = mkdtempSync(join(tmpdir(), 'aura-cli-kdf-'));
let cli: Awaited<ReturnType<typeof serverForCli>>;
let db: Awaited<ReturnType<typeof databasePool>>;

before(async () => {
  cli = await serverForCli();
  db = await databasePool(cli.db.url);
});
after(async () => {
  await db?.end();
  await cli?.stop();
  rmSync(homes, { recursive: true, force: true });
});

const aura = (args: string[], stdin = '') => runAura(cli.server.url, join(homes, 'laptop'), args, { stdin });

it('aura login exits 6 for parameters changed above the floor, and for parameters below it', {
  timeout: 120_000,
}, async () => {
  const email = `cli-kdf-${Date.now()}@example.com`;
  const registered = await aura(['register', '--email', email, '--password-stdin'], 'kdf secret pw\nkdf secret pw\n');
  assert.equal(registered.code, 0, registered.stderr);

  await db.query(`UPDATE users SET kdf_params = jsonb_set(kdf_params, '{t}', '4') WHERE email = $1`, [email]);
  const tampered = await aura(['login', '--email', email, '--password-stdin'], 'kdf secret pw\n');
  assert.equal(tampered.code, EXIT.tampered, tampered.stderr);
  assert.match(tampered.stderr, /AURA_KDF_PARAMS_TAMPERED/);
  assert.doesNotMatch(tampered.stderr, /password is wrong/);

  await db.query(`UPDATE users SET kdf_params = '{"algorithm":"argon2id","t":1,"m":1024,"p":1}' WHERE email = $1`, [
    email,
  ]);
  const weak = await aura(['login', '--email', email, '--password-stdin'], 'kdf secret pw\n');
  assert.equal(weak.code, EXIT.tampered, weak.stderr);
  assert.match(weak.stderr, /AURA_CRYPTO_KDF_TOO_WEAK/);
});
