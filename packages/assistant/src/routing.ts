import type { Slots } from './slots.ts';

/**
 * Where the words of a request overrule the intent model. The model (trained on HWU64) reads the
 * topic well, but a topic is not an act: "is my meeting with John on my calendar" is about a
 * meeting and asks to read, never to book; "remind me to buy milk" is a reminder whatever the
 * model calls it; "tack eggs onto the list" adds. Each rule names what it saw, for the reasoning.
 */
export interface Routed {
  intent: string;
  why?: string;
  /** A thing to do without a reminder's words ("need to pick up dry cleaning"). */
  todo?: boolean;
}

const ACTS =
  '(?:book|schedule|set(?: up)?|add|put|remind|e-?mail|send|cancel|move|create|delete|remove|invite|tell|plan|arrange|reschedule|push|text|call|write)';
const NEGATED = new RegExp(
  `^\\s*(?:please\\s+)?(?:don'?t|do not|no need to|never|you don'?t (?:have|need) to|there'?s no need to)\\s+(?:\\w+\\s+){0,2}?${ACTS}\\b|^\\s*(?:please\\s+)?(?:don'?t|do not)\\s+(?:bother|worry)\\b|^\\s*(?:i|we)\\s+(?:don'?t|do not|no longer)\\s+(?:want|need)\\b|^\\s*(?:please\\s+)?stop\\s+(?:reminding|emailing|booking|adding|sending)\\b`,
  'i',
);
const RETRACTED =
  /^\s*(?:actually[,\s]+)?(?:never ?mind|forget (?:it|that|about it)|ignore (?:that|this|it)|no thanks?|nope|not now)\b|^\s*(?:cancel|scratch|stop) (?:that|it|this)\s*(?:please)?\s*[.!]*\s*$|\b(?:leave|keep)\b.{0,40}?\b(?:where it is|as it is|as is|alone|unchanged|where they are)\b/i;
const HYPOTHETICAL =
  /^\s*(?:should|shall)\s+(?:i|we)\b|^\s*(?:do you think|would it be|will it be|is it)\s+(?:a good idea|ok|okay|wise|better|i should|we should)\b|^\s*what if\b|^\s*(?:i|we)\s+(?:might|may)\s+\p{L}+|^\s*(?:i|we)\s+could\s+(?:maybe|possibly|perhaps)\b|^\s*(?:maybe|perhaps)\s+(?:i|we)(?:'ll|\s+will|\s+should|\s+could|\s+might|\s+can)\b|^\s*i(?:'m| am)\s+(?:thinking|wondering)\s+(?:about|of|whether|if)\b/iu;
const REPORTED =
  /^\s*(?:[Ii]|[Ww]e|[Hh]e|[Ss]he|[Tt]hey|\p{Lu}[\p{L}'-]+(?:\s+\p{Lu}[\p{L}'-]+)?|(?:[Mm]y|[Oo]ur|[Tt]he)\s+[\p{L}'-]+(?:\s+with\s+\p{L}+(?:\s+\p{Lu}[\p{L}'-]+)?)?)\s+(?:already\s+|just\s+)?(?:had|met|was|were|moved|cancell?ed|booked|sent|called|went|did|emailed|rescheduled|added|bought|told|asked|said|wanted|reminded|suggested|mentioned|picked|dropped|finished|left|came|ran|got|went well|was great)\b/u;
// "i already bought bread, so take it off the list": what happened, then a request.
const THEN_ASKED = new RegExp(
  `(?:,|\\bso|\\band|\\bthen|\\bplease|\\bcan you|\\bcould you)(?:\\s+(?:can|could|would|will)\\s+you)?\\s+(?:please\\s+)?(?:${ACTS.slice(3, -1)}|take|cross|tick|check|find|look|stick|tack|throw|pop|jot)\\b`,
  'i',
);

const POLITE_ASK =
  /(?:^\s*|[,.;!?]\s*|\b(?:and|so)\s+)(?:(?:hey|hi|ok|okay|so)\b[\s,]*)?(?:aura\b[\s,]*)?(?:can|could|would|will)\s+you\s+(?:please\s+)?(?:tell me|check|see|let me know|look|find out|confirm)\b/i;
const REQUEST =
  /^\s*(?:(?:hey|hi|ok|okay|so)\b[\s,]*)?(?:aura\b[\s,]*)?(?:can|could|would|will|please|pls|i need|i want|i'd like|i would like|i'd love|i wanna|let's|lets)\b/i;
const INTERROGATIVE =
  /^\s*(?:(?:hey|hi|ok|okay|so|and)\b[\s,]*)?(?:aura\b[\s,]*)?(is|are|was|were|do|does|did|have|has|am|any|anything|what|what's|whats|when|when's|where|which|who|who's|whos|how many|how much|how long)\b/i;

/** A question about what exists ("do I have…", "is my … on my calendar", "when is…"), not a request to change it. */
export function asksAboutWhatExists(text: string): boolean {
  if (POLITE_ASK.test(text)) return true;
  if (REQUEST.test(text)) return false;
  return INTERROGATIVE.test(text);
}

/** Words that make a request a reminder (or a to-do), whatever the model reads. */
export const REMINDER =
  /\bremind(?:ed|er|ers|ing)?\b|\bdon'?t (?:let me )?forget\b|\bto-?dos?\b|\bto do list\b|\bmake a note to\b/i;
const READ_REMINDERS =
  /\b(?:what|which|show|list|read|any|see|view)\b.*\b(?:reminders|to-?dos?|to do list|to-?do list)\b|\b(?:reminders|to-?dos?)\b.*\?\s*$/i;
const DETAILS = '(?:email|e-mail|phone|number|address|mobile|cell|contact|contact info|contact details|details)';
const CONTACT = new RegExp(
  [
    String.raw`^\s*who(?:'s|s| is| was)\s+\S+`,
    String.raw`\b[\p{L}'-]+(?:'s|s)\s+${DETAILS}\b(?!\s+(?:to|him|her|them|about))`,
    String.raw`^\s*(?:please\s+)?(?:look up|lookup|find|pull up|search for|get)\s+(?:me\s+)?(?:my\s+)?[\p{L}'-]+(?:\s+[\p{L}'-]+)?\s*[?.!]?\s*$`,
    String.raw`\b${DETAILS}\s+(?:info\s+|details\s+)?(?:for|of)\s+(?!(?:the|a|an|this|that|it)\b)(?:my\s+)?[\p{L}'-]+`,
    String.raw`^\s*[\p{L}'-]+(?:\s+[\p{L}'-]+)?\s+${DETAILS}\s*\?\s*$`,
    String.raw`\b(?:how|where)\s+(?:do|can)\s+i\s+(?:reach|contact)\b`,
  ].join('|'),
  'iu',
);
export const CANCEL_WORDS = /\b(cancel|call off|scrap|scratch|drop|delete|remove|clear|nix|get rid of|bin)\b/i;
const TRAVEL = /\b(flights?|plane tickets?|train tickets?|bus tickets?|hotels?|taxi|uber|lyft|cab|airbnb)\b/i;
const BOOKING = /\b(book|reserve|buy|order|get me|find me|call me|need|want)\b/i;
const TIMER = /\b(?:set|start)\s+(?:a\s+|an\s+)?(?:\w+\s+)?timer\b|\btimer for\b/i;
const HAPPENING = /\b(?:happening|planned|booked|scheduled|on|free|busy|look like|have|got|anything|something)\b/i;
const BOOK_VERB =
  /\b(?:schedule|book|set (?:something |it |this |that )?up|arrange|organi[sz]e|pencil (?:in|me in)|squeeze in|fix up|line up|put (?:in|down))\b/i;
const EVENT_WORD =
  /\b(meeting|lunch|dinner|breakfast|call|coffee|drinks|sync|1:1|catch-up|catchup|catch up|chat|appointment|interview|session|huddle|standup|meetup|check-in|visit|recital|concert|practice|rehearsal|class|party|game)\b/i;
const CALENDAR_WORDS =
  /\b(calendar|1:1|standup|huddle|meeting|meetings|appointment|call|lunch|dinner|coffee|event|events|schedule|dentist|doctor|interview|review|sync|standup|plans|booked|busy|free)\b/i;
const LIST_WORD = /\blists?\b/i;
const SEND =
  /^\s*(?:please\s+|pls\s+|can you\s+|could you\s+)?(?:send|forward|email|e-mail|mail|write)\b|\b(?:drop|shoot|send|write|fire off)\s+(?:\p{L}+\s+){0,2}?(?:an?\s+)?(?:e-?mail|mail|note|line)\b/iu;
const HOME_DEVICE =
  /\b(?:turn|switch|set|dim|brighten|raise|lower)\b.{0,30}\b(?:heating|thermostat|lights?|lamps?|temperature|tv|television|volume|vacuum|roomba|blinds|aircon|air conditioning|fan|oven)\b|\b(?:heating|thermostat|lights?|temperature)\b.{0,20}\b(?:on|off|up|down|to \d+)\b/i;
const STATUS =
  /\bOOO\b|\bout of (?:the )?office\b|\b(?:set|change|update)\s+(?:my\s+)?(?:status|away message|auto-?reply)\b/;
const CALENDAR_ADD = /\b(?:put|add|pop|stick|get|write)\b.{0,50}\b(?:on|in|into|to)\s+(?:my|the)\s+calend[ae]r\b/i;
const LISTISH =
  /^(?:shopping|groceries|grocery|packing|to-?do|wish|wishlist|gift|reading|movie|christmas|costco|hardware)$/i;
const MAIL_ASKED =
  /^\s*(?:(?:are there|is there|do i have|have i got|got)\s+)?(?:any|anything|something)\s+(?:new\s+|unread\s+)?(?:e-?mails?\s+|mails?\s+|messages?\s+)?(?:from|by)\b/i;
const EVENT_FIRST =
  /^\s*(?:a\s+|an\s+|my\s+|our\s+)?(?:[\p{L}-]+\s+){0,3}?(?:meeting|lunch|dinner|call|coffee|breakfast|drinks|sync|1:1|catch-up|catchup|group|prep|practice|class|session|shift|training|workshop|seminar|lecture|exam|appointment|huddle|standup|party)\b/iu;

const TEXTING =
  /^\s*(?:please\s+)?(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?)?(?:text|sms|whatsapp|imessage|call|phone|ring|dial|facetime|video call)\s+(?!me\b|off\b|back\b|with\b)|\b(?:an?\s+)?(?:sms|text message|whatsapp|imessage)\b|\bgive\s+(?:\p{L}+\s+)?an?\s+(?:call|ring|buzz)\b|\b(?:send|shoot|drop)\s+(?:\p{L}+\s+)?an?\s+text\b/iu;
const MAIL_FROM = /\b(?:send|sent|e-?mail(?:ed)?|mail(?:ed)?|wr[io]te|message(?:d)?|forward(?:ed)?)\s+me\b/i;
const DAY_ASKED = /\bwhat'?s on\b|\bwhat do i have\b|\bwhat have i got\b|\bmy (?:day|schedule|agenda)\b/i;
const TODO = /\b(?:i\s+)?(?:need|have|got|must|should)\s+to\s+[\p{L}]+/iu;

/** The intent the request's words make of the model's reading. */
export function route(
  intent: string,
  text: string,
  slots: Slots,
  plannable: (intent: string) => boolean = () => true,
): Routed {
  const question = asksAboutWhatExists(text);
  // Not a request at all: "don't book anything", "never mind", "should I…?", "I had lunch with…".
  // Nothing is planned for these, whatever the model reads in their words.
  if (NEGATED.test(text) && !/\bdon'?t (?:let me )?forget\b/i.test(text))
    return { intent: 'general_negate', why: 'you asked me not to do it' };
  if (RETRACTED.test(text)) return { intent: 'general_negate', why: 'you took the request back' };
  if (HYPOTHETICAL.test(text))
    return { intent: 'general_quirky', why: 'that wonders about doing it, without asking me to' };
  if (REPORTED.test(text) && !POLITE_ASK.test(text) && !THEN_ASKED.test(text))
    return { intent: 'general_quirky', why: 'that tells me what happened, without asking me to change anything' };
  // Texts and calls: no plugin sends or makes them (an email is not what was asked for).
  if (TEXTING.test(text) && !/\b(meeting|schedule|calendar|remind)\b/i.test(text) && !slots.when)
    return { intent: 'messaging_send', why: 'that is a text message or a call, which no plugin makes' };
  if (
    READ_REMINDERS.test(text) &&
    (question || /^\s*(?:please\s+)?(?:show|list|see|view|read|check|tell me)\b/i.test(text))
  )
    return { intent: 'alarm_query', why: 'you asked what reminders you have' };
  // "did Anne-Marie send me anything": a question about mail from someone.
  if (question && MAIL_FROM.test(text) && slots.names.some((n) => n.strength === 'named'))
    return { intent: 'email_query', why: 'you asked what someone sent you' };
  // "what's on today", "what does my day look like": the calendar of that day.
  if (question && DAY_ASKED.test(text) && !LIST_WORD.test(text) && intent !== 'calendar_query')
    return { intent: 'calendar_query', why: 'you asked what is on your calendar' };
  // "remind me what time my lunch is": a question, asked with a reminder's words.
  if (/\bremind me (?:what|when|where|which|who|how)\b/i.test(text))
    return CALENDAR_WORDS.test(text) || slots.when
      ? { intent: 'calendar_query', why: 'you asked to be told what is on your calendar' }
      : { intent, why: 'that asks a question' };
  // HWU64 files "remind me to…" under calendar_set; its planner keeps reminders and events apart.
  if (REMINDER.test(text) && !question) return { intent: 'calendar_set', why: 'you asked to be reminded' };
  if (LIST_WORD.test(text) && slots.listVerb) {
    const listIntent =
      slots.listVerb === 'remove' && slots.items.length > 0
        ? 'lists_remove'
        : slots.listVerb === 'add' && slots.items.length > 0 && !question
          ? 'lists_createoradd'
          : 'lists_query';
    return {
      intent: listIntent,
      why: `the words say to ${listIntent === 'lists_query' ? 'read' : slots.listVerb} a list`,
    };
  }
  // "add coffee pods to shopping": a list named without the word "list".
  if (slots.listVerb && slots.items.length > 0 && slots.listName && LISTISH.test(slots.listName) && !question)
    return {
      intent: slots.listVerb === 'remove' ? 'lists_remove' : 'lists_createoradd',
      why: `the words say to ${slots.listVerb} to a list`,
    };
  // "add yoga today at 6": an item with a clock time is an event, not a list item.
  if (/^lists_/.test(intent) && !LIST_WORD.test(text) && slots.when && !slots.dayOnly && !question)
    return { intent: 'calendar_set', why: 'something with a time is for your calendar' };
  // "put the garden center on my calendar this afternoon at 3".
  if (CALENDAR_ADD.test(text) && !question && !slots.reschedule)
    return { intent: 'calendar_set', why: 'you asked to put it on your calendar' };
  // "need to pick up dry cleaning": a thing to do, not a shopping item.
  if (/^lists_/.test(intent) && !LIST_WORD.test(text) && TODO.test(text) && !question)
    return { intent: 'calendar_set', why: 'that is something to do, so it goes on your to-do list', todo: true };
  // "forward the report to Miguel", "send Sarah the notes": an email, whatever the topic sounds like.
  if (
    SEND.test(text) &&
    (!/^calendar_/.test(intent) || /\b(?:e-?mail|mail|note|line)\b/i.test(text)) &&
    slots.names.some((n) => n.strength === 'named' || n.relation)
  )
    return { intent: 'email_sendemail', why: 'you asked to send something to one of your people' };
  if (TIMER.test(text)) return { intent: 'alarm_set', why: 'a timer is a reminder when it runs out' };
  if (TRAVEL.test(text) && BOOKING.test(text) && !/\b(e-?mail|mail|inbox)\b/i.test(text))
    return { intent: 'transport_ticket', why: 'that is travel, which no plugin books' };
  if (STATUS.test(text))
    return { intent: 'general_quirky', why: 'setting a status or an auto-reply is not something a plugin does' };
  if (HOME_DEVICE.test(text) && !CALENDAR_WORDS.test(text) && !LIST_WORD.test(text))
    return { intent: 'iot_wemo_on', why: 'that is a device in your home, which no plugin controls' };
  // "anything from the bank?", "any new emails from HMRC": mail, from whoever sent it.
  if (MAIL_ASKED.test(text) && !CALENDAR_WORDS.test(text) && !LIST_WORD.test(text))
    return { intent: 'email_query', why: 'you asked what came in' };
  // Someone named, or a possessive ("helen's email"): not "search my email for the invoice".
  const someone = slots.names.some(
    (n) => n.strength === 'named' || n.relation || /^['’]s\b/.test(slots.text.slice(n.end, n.end + 2)),
  );
  if (CONTACT.test(text) && !/\b(send|write|draft|compose|search|look through)\b/i.test(text) && someone)
    return { intent: 'email_querycontact', why: 'you asked about one of your people' };
  if (
    CANCEL_WORDS.test(text) &&
    !question &&
    (CALENDAR_WORDS.test(text) || slots.from || slots.when) &&
    /^calendar_|^email_|^alarm_/.test(intent)
  )
    return { intent: 'calendar_remove', why: 'you asked to cancel an event' };
  const moving = slots.from || slots.when || slots.shiftMinutes !== undefined;
  if (
    slots.reschedule &&
    !question &&
    moving &&
    !SEND.test(text) &&
    (CALENDAR_WORDS.test(text) || /^calendar_/.test(intent))
  )
    return { intent: 'calendar_set', why: 'you asked to move an event' };
  // "meeting w/ john tmrw 3pm", "study group sunday from 1 to 3": an event said as a note is one to book.
  if (
    (intent === 'calendar_query' || !plannable(intent)) &&
    !question &&
    EVENT_FIRST.test(text) &&
    slots.when &&
    !slots.dayOnly &&
    (slots.names.length > 0 || !plannable(intent))
  )
    return { intent: 'calendar_set', why: 'you named an event, a time and who, so I book it' };
  // "book lunch w sarah fri 12:30": an event, a clock time and who are a booking, however terse.
  if (
    (/^calendar_(set|query)$/.test(intent) || !plannable(intent)) &&
    !question &&
    !slots.reschedule &&
    !CANCEL_WORDS.test(text) &&
    slots.when &&
    ((EVENT_WORD.test(text) && !slots.dayOnly && slots.names.some((n) => n.strength === 'named' || n.relation)) ||
      (BOOK_VERB.test(text) && (EVENT_WORD.test(text) || slots.names.some((n) => n.strength === 'named'))) ||
      (/\b(?:put|add|pencil|pop)\b/i.test(text) && EVENT_WORD.test(text)))
  )
    return { intent: 'calendar_set', why: 'you named an event, a time and who, so I book it' };
  // "did I book dinner with Emily?", "whats happening tomorrow", "what does my Thursday look
  // like": questions about the calendar, whatever else the model reads in them.
  if (
    question &&
    (!plannable(intent) || /^calendar_(set|remove|query)$/.test(intent)) &&
    !LIST_WORD.test(text) &&
    !/\b(?:e-?mails?|mail|inbox|weather|rain|news|remind|reminders?|won|score|scored|winning)\b/i.test(text) &&
    !/^\s*who\b(?!\s+(?:is|am|are)\b|['’]s\b)/i.test(text) &&
    (CALENDAR_WORDS.test(text) || EVENT_WORD.test(text) || (slots.when && HAPPENING.test(text)))
  )
    return { intent: 'calendar_query', why: 'that is a question about your calendar, so I only read it' };
  // Deleting needs the words for it: a model that reads "calendar_remove" into "calendar thing
  // maybe" does not get to plan a cancellation.
  if (intent === 'calendar_remove' && !CANCEL_WORDS.test(text))
    return question
      ? { intent: 'calendar_query', why: 'that is a question about your calendar, so I only read it' }
      : { intent: 'calendar_query', why: 'nothing in it says to cancel, so I only read your calendar' };
  if (question && /^calendar_(set|remove)$/.test(intent))
    return { intent: 'calendar_query', why: 'that is a question about your calendar, so I only read it' };
  if (question && intent === 'lists_createoradd')
    return { intent: 'lists_query', why: 'that is a question about a list' };
  if (question && intent === 'alarm_set')
    return { intent: 'alarm_query', why: 'that is a question about your reminders' };
  return { intent };
}
