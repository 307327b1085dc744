import type { Collection } from '@aura/protocol';
import type { Embedding } from './memory/embedding.ts';

/** The typed records a user keeps. Everything here is encrypted before it leaves the device. */
export type CollectionName = Collection;

export interface ContextData {
  text: string;
  type?: string;
  /** Structured detail a plugin keeps with the note (an event's start and end, a list's items). */
  fields?: Record<string, unknown>;
}

export interface PersonData {
  name: string;
  relationship?: string;
  email?: string;
  notes?: string;
}

export interface LearningEventData {
  kind: string;
  text?: string;
  input?: unknown;
  output?: unknown;
  feedback?: 'positive' | 'negative' | 'neutral' | string;
}

export interface RecordData {
  contexts: ContextData;
  relationships: PersonData;
  'learning-events': LearningEventData;
}

export interface VaultRecord<C extends CollectionName = CollectionName> {
  id: string;
  collection: C;
  version: number;
  data: RecordData[C];
  /** Its vector and the model that made it, when it was written with one. */
  embedding?: Embedding;
  /**
   * The hash of its sealed vector, when it has one (set even when the vector was left sealed:
   * Vault.list with `vectors: false`). A record version has one vector, so one hash.
   */
  embeddingHash?: string;
  createdAt: string;
  updatedAt: string;
  expiresAt: string | null;
}

/** The words a record is found by. Incoming content from others is never indexed (M14). */
export function searchableText<C extends CollectionName>(collection: C, data: RecordData[C]): string {
  switch (collection) {
    case 'contexts': {
      const d = data as ContextData;
      return [d.text, d.type].filter(Boolean).join(' ');
    }
    case 'relationships': {
      const d = data as PersonData;
      return [d.name, d.relationship, d.email, d.notes].filter(Boolean).join(' ');
    }
    default:
      return (data as LearningEventData).text ?? '';
  }
}

export const API_PATHS: Record<CollectionName, string> = {
  contexts: '/api/v1/context',
  relationships: '/api/v1/relationships',
  'learning-events': '/api/v1/learning-events',
};
