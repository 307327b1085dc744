import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, openSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { homedir, hostname, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { AuraClient } from '@aura/client';
import { FileStateStore, nodeSocket, nodeTransport } from '@aura/client/node';
import { AuraError } from '@aura/errors';
import { command } from '../command.ts';
import {
  auraHome,
  defaultDeviceName,
  pluginsPath,
  readConfig,
  rememberServer,
  statePath,
  writeConfig,
} from '../home.ts';
import { progress, UsageError } from '../output.ts';
import { confirm, interactive, password, question } from '../prompt.ts';
import { addPlugin } from './plugin-add.ts';
import { serverCommand } from './up.ts';

const HEALTH_TIMEOUT_MS = 3_000;
const START_TIMEOUT_MS = 180_000;

/** The agent's own Aura home beside the user's: a second device of the same account. */
export const agentHome = (home = auraHome()) => `${home}-agent`;

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
    return res.ok;
  } catch {
    return false;
  }
}

const healthy = (server: string) => answers(new URL('/health', server).href);

const isLocal = (server: string) => ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(server).hostname);

/** The server started in the background, as `aura up` would, its output in the Aura home. */
async function startServer(server: string, home: string): Promise<void> {
  const log = join(home, 'server.log');
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const out = openSync(log, 'a');
  const port = new URL(server).port || '80';
  const dataDir = process.env.AURA_DATA_DIR ?? join(home, 'server');
  const child = spawn(process.execPath, serverCommand(), {
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...process.env, PORT: process.env.PORT ?? port, AURA_DATA_DIR: dataDir },
  });
  child.unref();
  progress(`   starting it, data in ${dataDir} (the first start takes a while); its log: ${log}`);
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await healthy(server)) {
      progress(`   the server is up at ${server} (pid ${child.pid})`);
      return;
    }
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new AuraError(
    'AURA_SERVER_UNREACHABLE',
    `the server did not come up at ${server}; the end of ${log} says why:\n${readFileSync(log, 'utf8').slice(-1500)}`,
  );
}

/** A user service that runs the agent: a systemd user unit on Linux, a launchd agent on macOS. */
export function serviceFile(agentHomeDir: string): { path: string; text: string; start: string[][] } {
  // The command running now, wherever it is installed (a checkout, npm link, a package).
  const aura = realpathSync(process.argv[1] ?? 'aura');
  if (platform() === 'darwin') {
    const path = join(homedir(), 'Library/LaunchAgents/org.aura.agent.plist');
    return {
      path,
      start: [['launchctl', 'load', '-w', path]],
      text: `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key><string>org.aura.agent</string>
  <key>ProgramArguments</key>
  <array><string>${process.execPath}</string><string>${aura}</string><string>agent</string></array>
  <key>EnvironmentVariables</key>
  <dict><key>AURA_HOME</key><string>${agentHomeDir}</string></dict>
  <key>RunAtLoad</key><true/>
  <key>KeepAlive</key><true/>
  <key>StandardErrorPath</key><string>${join(agentHomeDir, 'agent.log')}</string>
</dict>
</plist>
`,
    };
  }
  const units = join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'systemd/user');
  return {
    path: join(units, 'aura-agent.service'),
    start: [
      ['systemctl', '--user', 'daemon-reload'],
      ['systemctl', '--user', 'enable', '--now', 'aura-agent'],
    ],
    text: `[Unit]
Description=Aura agent: plans your requests and runs the steps you approve
After=network-online.target

[Service]
Environment=AURA_HOME=${agentHomeDir}
ExecStart=${process.execPath} ${aura} agent
Restart=on-failure
RestartSec=5

[Install]
WantedBy=default.target
`,
  };
}

/**
 * aura setup: the first run in one command, safe to run again — each step looks at what is there
 * and does only what is missing. A terminal is asked; a script says what it wants with flags.
 */
export const setup = command(
  {
    email: { type: 'string' },
    login: { type: 'boolean', default: false },
    agent: { type: 'boolean' },
    'no-agent': { type: 'boolean', default: false },
    service: { type: 'boolean' },
    'no-service': { type: 'boolean', default: false },
    start: { type: 'boolean', default: false },
    'llm-url': { type: 'string' },
    'llm-model': { type: 'string' },
    'caldav-url': { type: 'string' },
    username: { type: 'string' },
    yes: { type: 'boolean', default: false },
  },
  async (client, _words, flags) => {
    const asking = interactive() && !flags.yes;
    /** A question with a default: asked on a terminal, else the flag or the default. */
    const choose = async (text: string, flag: boolean | undefined, no: boolean, fallback: boolean) => {
      if (no) return false;
      if (flag !== undefined) return flag;
      if (!asking) return fallback;
      return confirm(text, false, { defaultYes: fallback });
    };
    const home = auraHome();
    const server = client.api.baseUrl;

    // 1. The server.
    progress(`1. Server ${server}`);
    if (await healthy(server)) progress('   up.');
    else if (!isLocal(server))
      throw new AuraError('AURA_SERVER_UNREACHABLE', `cannot reach ${server}; check the address (--server URL)`);
    else if (await choose('   Not running. Start it here in the background?', undefined, false, true))
      await startServer(server, home);
    else
      throw new AuraError('AURA_SERVER_UNREACHABLE', `start the server first (npm start, or aura up), then run setup`);

    // 2. The account.
    let status = await client.status();
    if (status.loggedIn) progress(`2. Account: logged in as ${status.email}.`);
    else {
      const email = flags.email ?? (asking ? await question('2. Your email address: ') : undefined) ?? '';
      if (!email) throw new UsageError('give the account with --email E');
      const existing =
        flags.login || (asking && !(await confirm('   Create a new account?', false, { defaultYes: true })));
      if (existing) await client.login(email, await password('   Password', flags['password-stdin']));
      else
        await client.register(
          email,
          await password('   Choose a password', flags['password-stdin'], true),
          defaultDeviceName(),
        );
      rememberServer(server);
      progress(
        `   ${existing ? 'Logged in' : 'Registered and logged in'} as ${email}, device "${defaultDeviceName()}".`,
      );
      status = await client.status();
    }
    if (!status.loggedIn) throw new AuraError('AURA_NOT_LOGGED_IN', 'the account step did not log in');

    // 3. The agent: a second device of the account in its own home on this machine.
    const agentDir = agentHome(home);
    const agentClient = await AuraClient.open({
      server,
      store: new FileStateStore(statePath(agentDir)),
      openSocket: nodeSocket,
      transport: nodeTransport,
    });
    const agentStatus = await agentClient.status();
    const wantAgent =
      agentStatus.loggedIn || (await choose('3. Run an agent on this machine?', flags.agent, flags['no-agent'], true));
    if (!wantAgent) progress('3. Agent: skipped.');
    else if (agentStatus.loggedIn && agentStatus.userId === status.userId)
      progress(`3. Agent: enrolled in ${agentDir}.`);
    else {
      // Both ends are in this process: the fingerprint is compared here, not by a person.
      const ticket = await agentClient.requestEnrollment(status.email, `${hostname() || 'this machine'} agent`);
      await client.approveEnrollment(ticket.code, { fingerprint: ticket.fingerprint });
      const enrolled = await ticket.wait();
      await agentClient.flush();
      writeConfig({ ...readConfig(agentDir), server }, agentDir);
      progress(`3. Agent: enrolled as device ${enrolled.deviceId}, home ${agentDir}.`);
    }

    // 4. The agent as a user service: written, started only when asked to.
    if (wantAgent) {
      const unit = serviceFile(agentDir);
      const same = existsSync(unit.path) && readFileSync(unit.path, 'utf8') === unit.text;
      if (same) progress(`4. Service: ${unit.path} is in place.`);
      else if (await choose('4. Install the agent as a user service?', flags.service, flags['no-service'], true)) {
        mkdirSync(dirname(unit.path), { recursive: true });
        writeFileSync(unit.path, unit.text);
        progress(`4. Service: wrote ${unit.path}.`);
      } else progress(`4. Service: skipped; run the agent yourself with: AURA_HOME=${agentDir} aura agent`);
      if (existsSync(unit.path)) {
        const start = flags.start || (asking && (await confirm('   Start it now?', false, { defaultYes: false })));
        const shown = unit.start.map((c) => c.join(' ')).join(' && ');
        if (start) {
          for (const [cmd = '', ...args] of unit.start) {
            const ran = spawnSync(cmd, args, { stdio: 'inherit' });
            if (ran.status !== 0)
              throw new AuraError(
                'AURA_NOT_READY',
                `"${cmd} ${args.join(' ')}" failed; the service file is in place, start it yourself`,
              );
          }
          progress(`   started with: ${shown}`);
        } else progress(`   not started; start it with: ${shown}`);
      }
    }

    // 5. An LLM endpoint (OpenAI-compatible), kept in both homes' config.
    const config = readConfig(home);
    const llmUrl =
      flags['llm-url'] ??
      (asking && !config.llm
        ? await question('5. An OpenAI-compatible LLM endpoint (e.g. http://127.0.0.1:11434/v1), empty to skip: ')
        : undefined);
    if (llmUrl) {
      const llm = { url: llmUrl, model: flags['llm-model'] ?? config.llm?.model ?? 'llama3' };
      for (const dir of wantAgent ? [home, agentDir] : [home]) writeConfig({ ...readConfig(dir), llm }, dir);
      progress(
        `5. LLM: ${llm.url}, model ${llm.model}${(await answers(new URL('models', llm.url.replace(/\/?$/, '/')).href)) ? '' : ' (not answering now; Aura plans offline until it does)'}.`,
      );
    } else progress(config.llm ? `5. LLM: ${config.llm.url}.` : '5. LLM: none; Aura understands requests offline.');

    // 6. A calendar (CalDAV); Google and email are added with "aura plugins add".
    const caldavUrl =
      flags['caldav-url'] ?? (asking ? await question('6. A CalDAV calendar URL, empty to skip: ') : undefined);
    if (caldavUrl) {
      const username = flags.username ?? (asking ? await question('   CalDAV username: ') : '');
      await addPlugin(client, 'caldav', { ...flags, url: caldavUrl, username });
      if (wantAgent && existsSync(pluginsPath(home))) copyFileSync(pluginsPath(home), pluginsPath(agentDir));
    } else progress('6. Calendar: the built-in one (add CalDAV or Google later with "aura plugins add").');

    progress(`
Aura is set up. Try next:

    aura people add "John Smith" --relationship colleague --email john@example.com
    aura ask "Schedule a meeting with John tomorrow at 3pm"
    aura chat
`);
  },
);
