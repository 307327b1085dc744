import type { ParseArgsConfig } from 'node:util';
import type { AuraClient } from '@aura/client';
import { UsageError } from './output.ts';

export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** The flags every command reads: aura [--server URL] [--json] [--password-stdin] COMMAND. */
export const GLOBAL_OPTIONS = {
  server: { type: 'string' },
  json: { type: 'boolean', default: false },
  'password-stdin': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies OptionsConfig;

export interface GlobalFlags {
  json: boolean;
  'password-stdin': boolean;
}

type Value<O> = O extends { type: 'boolean' } ? boolean : O extends { multiple: true } ? string[] : string;
type HasDefault<O> = O extends { default: unknown } ? true : false;

/** What parseArgs gives for a command's options: a flag with a default is always there. */
export type Flags<O extends OptionsConfig> = GlobalFlags & {
  [K in keyof O as HasDefault<O[K]> extends true ? K : never]: Value<O[K]>;
} & {
  [K in keyof O as HasDefault<O[K]> extends true ? never : K]?: Value<O[K]> | undefined;
};

/** A noun of the aura command: the flags it reads, and what it does with the words after it. */
export interface Command {
  readonly options: OptionsConfig;
  /** `words` starts with the noun itself ("context", "approve"), which some commands branch on. */
  run(client: AuraClient, words: string[], flags: GlobalFlags & Record<string, unknown>): Promise<unknown>;
}

/**
 * A command typed by its own options. main hands `run` what parseArgs made of exactly these
 * options, which is what Flags<O> describes.
 */
export function command<const O extends OptionsConfig>(
  options: O,
  run: (client: AuraClient, words: string[], flags: Flags<O>) => Promise<unknown>,
): Command {
  return { options, run };
}

export function need(value: string | undefined, what: string): string {
  if (!value) throw new UsageError(`${what} is required`);
  return value;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An id argument: there, and shaped like one, or a usage error that says where ids are listed. */
export function needId(value: string | undefined, what: string, listedBy: string): string {
  const id = need(value, what);
  if (!UUID.test(id))
    throw new UsageError(
      `"${id}" is not ${/^[aeiou]/i.test(what) ? 'an' : 'a'} ${what.toLowerCase()} id (ids look like 3f2c8e1a-5b7d-4c9e-a1f0-2d6b8c4e9a71); "${listedBy}" shows them`,
    );
  return id;
}
