import { PluginError } from './types.ts';

// Plugins read their parameters again themselves: the host's schema check is not the only caller
// (the CLI and the tests run plugins directly), and each plugin has its own defaults.

/** A parameter that must be non-empty text, or a non-retryable error naming it. */
export const text = (value: unknown, name: string): string => {
  if (typeof value !== 'string' || value.trim() === '') throw new PluginError(`${name} is missing`, false);
  return value;
};

/** A parameter that must be a time: its epoch milliseconds, or a non-retryable error. */
export const time = (value: unknown, name: string): number => {
  const t = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(t)) throw new PluginError(`${name} is not a time`, false);
  return t;
};

/** A list of names (attendees): whatever of it is text. */
export const people = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/** An event a step refers to: the id itself, or the event an earlier step returned. */
export const eventRef = (value: unknown): unknown =>
  typeof value === 'object' && value !== null ? (value as { id?: unknown }).id : value;
