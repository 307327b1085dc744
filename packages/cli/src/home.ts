import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';

/** Where this install keeps its config and state: AURA_HOME, else ~/.config/aura. */
export function auraHome(): string {
  return process.env.AURA_HOME ?? join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'aura');
}

export interface CliConfig {
  server?: string;
  /** The support operator's Ed25519 public key (base64): agents' keys must carry its signature. */
  supportOperatorKey?: string;
  /** An OpenAI-compatible endpoint that `aura setup` connected; AURA_LLM_URL overrides it. */
  llm?: { url: string; model: string };
  /** Where vectors for retrieval by meaning come from; AURA_EMBEDDINGS_URL and AURA_EMBEDDINGS override it. */
  embeddings?: { url?: string; model?: string; provider?: 'builtin' };
}

export const DEFAULT_SERVER = 'http://127.0.0.1:8787';

/** What a new device is called unless --name says: the machine's name, which a person recognises in a list. */
export const defaultDeviceName = () => hostname() || 'aura cli';

export function readConfig(home = auraHome()): CliConfig {
  const path = join(home, 'config.json');
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as CliConfig) : {};
}

export function writeConfig(config: CliConfig, home = auraHome()): void {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  writeFileSync(join(home, 'config.json'), `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
}

export const statePath = (home = auraHome()) => join(home, 'state.json');

/** This device's CKKS secret key for the HE intent path, and the name of the keys it uploaded (mode 0600). */
export const heKeysPath = (home = auraHome()) => join(home, 'he-keys.json');

export const pluginsPath = (home = auraHome()) => join(home, 'plugins.yaml');

/** After a login, later commands talk to the same server without --server. */
export function rememberServer(server: string, home = auraHome()): void {
  const config = readConfig(home);
  if (config.server !== server) writeConfig({ ...config, server }, home);
}
