import { GLOBAL_OPTIONS } from './command.ts';
import { EXIT, UsageError } from './output.ts';
import { type Entry, TABLE } from './table.ts';

/** What can follow a noun: the lower-case words its forms start with ("add", "list", "bash"). */
export function verbsOf(entry: Entry): string[] {
  const verbs = new Set<string>();
  for (const { usage } of entry.forms) {
    const words = usage.split(/\s+/).slice(1);
    for (const [i, word] of words.entries()) {
      const first = i === 0 || words[i - 1] === '|' || (i === 1 && words[0] === '[');
      const bare = word.replace(/^\[|\]$/g, '');
      if (first && /^[a-z][a-z-]*(\|[a-z][a-z-]*)*$/.test(bare)) for (const v of bare.split('|')) verbs.add(v);
    }
  }
  return [...verbs];
}

/** The flags a noun takes, its own and the global ones, as typed: "--email". */
export function flagsOf(entry: Entry): string[] {
  return [...new Set([...Object.keys(entry.command?.options ?? {}), ...Object.keys(GLOBAL_OPTIONS)])].map(
    (f) => `--${f}`,
  );
}

const nouns = () => Object.entries(TABLE);
const quote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;

function bash(): string {
  const cases = (pick: (e: Entry) => string[]) =>
    nouns()
      .map(([noun, e]) => `      ${noun}) words=${quote(pick(e).join(' '))} ;;`)
      .join('\n');
  return `# aura completion for bash: eval "$(aura completion bash)" in ~/.bashrc
_aura() {
  local cur=\${COMP_WORDS[COMP_CWORD]} noun=\${COMP_WORDS[1]} words=''
  if [[ $COMP_CWORD -eq 1 ]]; then
    words=${quote(Object.keys(TABLE).join(' '))}
  elif [[ $cur == -* ]]; then
    case $noun in
${cases(flagsOf)}
    esac
  elif [[ $COMP_CWORD -eq 2 ]]; then
    case $noun in
${cases(verbsOf)}
    esac
  fi
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _aura aura
`;
}

function zsh(): string {
  const described = nouns()
    .map(([noun, e]) => `    ${quote(`${noun}:${e.forms[0]?.about.replaceAll(':', '\\:') ?? ''}`)}`)
    .join('\n');
  const cases = nouns()
    .map(
      ([noun, e]) =>
        `    ${noun})\n      if [[ $words[CURRENT] == -* ]]; then compadd -- ${flagsOf(e).join(' ')}\n` +
        `      elif (( CURRENT == 3 )); then compadd -- ${verbsOf(e).join(' ')}\n      else _files; fi ;;`,
    )
    .join('\n');
  return `#compdef aura
# aura completion for zsh: source <(aura completion zsh) in ~/.zshrc, after compinit
_aura() {
  local -a commands
  commands=(
${described}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  case $words[2] in
${cases}
  esac
}
compdef _aura aura
`;
}

function fish(): string {
  const lines = ['# aura completion for fish: aura completion fish > ~/.config/fish/completions/aura.fish'];
  lines.push('complete -c aura -f');
  for (const [noun, e] of nouns()) {
    lines.push(`complete -c aura -n __fish_use_subcommand -a ${noun} -d ${quote(e.forms[0]?.about ?? '')}`);
    const verbs = verbsOf(e);
    if (verbs.length)
      lines.push(
        `complete -c aura -n ${quote(`__fish_seen_subcommand_from ${noun}; and test (count (commandline -opc)) -eq 2`)} -a ${quote(verbs.join(' '))}`,
      );
    for (const flag of flagsOf(e))
      lines.push(`complete -c aura -n ${quote(`__fish_seen_subcommand_from ${noun}`)} -l ${flag.slice(2)}`);
  }
  return `${lines.join('\n')}\n`;
}

const SHELLS: Record<string, () => string> = { bash, zsh, fish };

/** aura completion bash|zsh|fish: the completion script, generated from the command table. */
export function completion(shell: string | undefined): number {
  const make = SHELLS[shell ?? ''];
  if (!make) throw new UsageError(`name a shell: aura completion ${Object.keys(SHELLS).join('|')}`);
  process.stdout.write(make());
  return EXIT.ok;
}
