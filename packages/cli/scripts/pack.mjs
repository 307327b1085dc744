#!/usr/bin/env node
// npm run pack:cli [-- --out DIR]: the aura command as one self-contained npm package,
// aura-cli-VERSION.tgz, for `npm i -g ./aura-cli-VERSION.tgz` on a machine without the checkout.
// The workspace's packages are bundled in (they are not published); the libraries they import
// become the package's dependencies, at the versions this checkout runs; the assistant's model
// files (and the HE intent model) travel beside the bundle. The server is not in it: `aura up` says so.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { BUNDLED, common, externals, ownUrl } from '../../../scripts/bundle.mjs';

const cli = fileURLToPath(new URL('..', import.meta.url));
const repo = resolve(cli, '../..');
const outArg = process.argv.indexOf('--out');
const out = resolve(outArg > 0 ? (process.argv[outArg + 1] ?? '.') : process.cwd());
const manifest = JSON.parse(readFileSync(join(cli, 'package.json'), 'utf8'));

const stage = mkdtempSync(join(tmpdir(), 'aura-pack-'));
try {
  const dist = join(stage, 'dist');
  // Workspace files land in the package where they sit in the checkout, relative to its root.
  const placeOf = (path) => join(stage, relative(repo, path));
  const { metafile } = await build({
    ...common,
    entryPoints: { aura: join(cli, 'src/main.ts') },
    outdir: dist,
    metafile: true,
    plugins: [externals(BUNDLED), ownUrl(dist, placeOf)],
  });
  cpSync(join(repo, 'packages/assistant/model'), join(stage, 'packages/assistant/model'), { recursive: true });
  cpSync(join(repo, 'packages/he/model'), join(stage, 'packages/he/model'), { recursive: true });
  cpSync(join(cli, 'bin'), join(stage, 'bin'), { recursive: true });

  // What the bundle still imports from node_modules, each at the version installed here.
  const requireHere = createRequire(join(repo, 'packages/agent/package.json'));
  const names = new Set();
  for (const output of Object.values(metafile.outputs))
    for (const { path, external } of output.imports)
      if (external && !isBuiltin(path))
        names.add(path.startsWith('@') ? path.split('/').slice(0, 2).join('/') : path.split('/')[0]);
  const dependencies = {};
  for (const name of [...names].sort()) {
    const file = requireHere.resolve
      .paths(name)
      ?.map((dir) => join(dir, name, 'package.json'))
      .find((f) => existsSync(f));
    if (!file) throw new Error(`the bundle imports ${name}, which is not installed here`);
    dependencies[name] = JSON.parse(readFileSync(file, 'utf8')).version;
  }
  const engines = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).engines;
  writeFileSync(
    join(stage, 'package.json'),
    `${JSON.stringify(
      {
        name: manifest.name,
        version: manifest.version,
        description: manifest.description,
        type: 'module',
        bin: manifest.bin,
        engines,
        dependencies,
      },
      null,
      2,
    )}\n`,
  );
  const [{ filename }] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', stage], { cwd: stage }),
  );
  mkdirSync(out, { recursive: true });
  renameSync(join(stage, filename), join(out, filename));
  process.stdout.write(`${join(out, filename)}\n`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
