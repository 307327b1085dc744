import { createInterface } from 'node:readline';
import { AuraError } from '@aura/errors';

let stdinLines: string[] | undefined;

async function readStdinLines(): Promise<string[]> {
  if (!stdinLines) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    stdinLines = Buffer.concat(chunks).toString('utf8').split(/\r?\n/);
  }
  return stdinLines;
}

/** A password typed at the terminal without echo. */
async function ask(question: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const rlAny = rl as unknown as { _writeToOutput: (s: string) => void };
    let asked = false;
    rlAny._writeToOutput = (s: string) => {
      if (!asked) {
        process.stderr.write(s);
        asked = true;
      }
    };
    rl.question(question, (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });
}

/**
 * The next password: a line of stdin with --password-stdin, else a prompt. Never an argument
 * or an environment variable, which other users of the machine could read.
 */
export async function password(label: string, fromStdin: boolean, confirm = false): Promise<string> {
  let value: string;
  if (fromStdin) {
    const lines = await readStdinLines();
    value = lines.shift() ?? '';
  } else if (process.stdin.isTTY) {
    value = await ask(`${label}: `);
    if (confirm && (await ask(`${label} again: `)) !== value) {
      throw new AuraError('AURA_INVALID_INPUT', 'the two passwords differ; nothing was changed');
    }
  } else {
    throw new AuraError(
      'AURA_INVALID_INPUT',
      'no terminal to ask for a password: pass it on stdin with --password-stdin',
    );
  }
  if (!value) throw new AuraError('AURA_INVALID_INPUT', `${label.toLowerCase()} must not be empty`);
  return value;
}

/** Whether a person is there to answer: a terminal on both ends. */
export const interactive = () => Boolean(process.stdin.isTTY && process.stderr.isTTY);

/** One line typed at the terminal, the question on stderr (stdout stays the command's answer). */
export function question(text: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    rl.question(text, (answer) => {
      rl.close();
      resolve(answer.trim());
    });
  });
}

/** A yes/no question at the terminal; without one, only an explicit --yes agrees. An empty answer takes the default. */
export async function confirm(text: string, yes: boolean, { defaultYes = false } = {}): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY)
    throw new AuraError('AURA_INVALID_INPUT', 'no terminal to confirm on: check the fingerprint, then pass --yes');
  const answer = await question(`${text} ${defaultYes ? '[Y/n]' : '[y/N]'} `);
  return answer === '' ? defaultYes : /^y(es)?$/i.test(answer);
}
