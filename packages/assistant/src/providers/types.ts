/** Something that reads an utterance as one of the known intents. */
export interface IntentProvider {
  readonly name: string;
  classify(text: string, intents: string[]): Promise<{ intent: string; confidence: number }>;
}
