import type { LearningEventData, Memory, Vault, VaultRecord } from '@aura/client';
import type { ActionSpec } from './actions.ts';
import { type CalendarView, LocalCalendar } from './calendar.ts';
import { type Decision, decide } from './decide.ts';
import { Personalisation } from './learning.ts';
import { applyPreferenceNotes } from './preferences.ts';
import type { IntentProvider } from './providers/types.ts';

/**
 * What the plugins of this device can do, as reasoning needs to know it (the agent's plugin host
 * is one): planning never runs an action itself.
 */
export interface Capabilities {
  /** Actions an enabled plugin offers and the user has not denied. */
  availableActions(): ActionSpec[];
  /** Actions the user lets run without asking. */
  autoApproved(): string[];
  /** The calendar an enabled plugin reads (CalDAV, Google, the local one), if one does. */
  calendar(): CalendarView | undefined;
}

/** What the assistant knows about this user, decrypted here from their vault. */
export async function personalContext(vault: Vault) {
  const events = (await vault.list('learning-events')).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const personalisation = Personalisation.fromEvents(events.map((r) => r.data));
  // Preferences the user wrote as context notes of type "preference", weighed by their feedback.
  const notes = (await vault.list('contexts'))
    .filter((r) => r.data.type === 'preference')
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    .map((r) => ({ id: r.id, text: r.data.text, confidence: personalisation.confidence(r.id) }));
  return { personalisation, applied: applyPreferenceNotes(notes), calendar: new LocalCalendar(vault) };
}

const toPerson = (r: VaultRecord<'relationships'>) => ({
  id: r.id,
  name: r.data.name,
  ...(r.data.email ? { email: r.data.email } : {}),
  ...(r.data.relationship ? { relationship: r.data.relationship } : {}),
});

export interface Understanding {
  decision: Decision;
  /** The learning event that records this decision (feedback refers to it). */
  decisionId: string;
}

/** How many notes a request retrieves for the planning model. */
const RETRIEVED_NOTES = 3;

/**
 * A request, understood with the user's own context: people, preferences, corrections, the
 * calendar, and the plugins enabled (a step no plugin can run is left out, and said so). With
 * `memory`, the notes nearest the request (by meaning only, above confidence 0.3: no blind
 * token of the request goes to the server) go to a
 * planning model in its prompt, and the learning event records which notes went to which model.
 */
export async function understand(
  vault: Vault,
  text: string,
  options: { host?: Capabilities; provider?: IntentProvider; now?: Date; memory?: Memory } = {},
): Promise<Understanding> {
  const { personalisation, applied, calendar: local } = await personalContext(vault);
  // Double bookings are checked in whichever calendar is enabled (CalDAV, Google, or the local one).
  const calendar = options.host?.calendar() ?? local;
  const actions = options.host?.availableActions();
  const retrieved = options.memory
    ? (await options.memory.search('contexts', text, { limit: RETRIEVED_NOTES, words: false })).map((h) => ({
        id: h.record.id,
        text: h.record.data.text,
        confidence: h.confidence,
      }))
    : [];
  const decided = await decide(text, {
    preferences: applied.preferences,
    personalisation,
    calendar,
    ...(options.now ? { now: options.now } : {}),
    ...(options.provider ? { provider: options.provider } : {}),
    ...(retrieved.length > 0 ? { notes: retrieved } : {}),
    ...(options.host && actions
      ? {
          availableActions: actions.map((a) => a.name),
          actionSpecs: actions,
          autoApprove: options.host.autoApproved(),
        }
      : {}),
    findPeople: async (word) => (await vault.search('relationships', word)).map(toPerson),
    // Only when a name matches no one exactly: every relationship, for "Did you mean …?".
    listPeople: async () => (await vault.list('relationships')).map(toPerson),
  });
  const decision = options.memory ? { ...decided, retrieved } : decided;
  // The trace lets later feedback credit (or blame) the people and notes this decision used.
  // With memory, the event is sealed with the request's vector (the one retrieval made), so past
  // decisions can be found by meaning too.
  const remember = (data: LearningEventData) =>
    options.memory ? options.memory.remember('learning-events', data) : vault.put('learning-events', data);
  const recorded = await remember({
    kind: 'decision',
    text,
    output: {
      intent: decision.intent,
      confidence: decision.confidence,
      status: decision.status,
      people: decision.people.map((p) => p.id),
      contexts: applied.used,
      // Which notes were retrieved, and which model's prompt held them (null: none did).
      ...(options.memory
        ? { retrieved: retrieved.map((r) => r.id), contextSentTo: decision.contextSentTo ?? null }
        : {}),
      slots: {
        ...(decision.slots.mentionedPerson ? { person: decision.slots.mentionedPerson } : {}),
        ...(decision.slots.title ? { title: decision.slots.title } : {}),
        ...(decision.slots.place ? { place: decision.slots.place } : {}),
        ...(decision.slots.when ? { when: decision.slots.when.text } : {}),
      },
    },
  });
  return { decision, decisionId: recorded.id };
}
