/** Something that reads an utterance as one of the known intents. */
export interface IntentProvider {
  readonly name: string;
  /**
   * Reads the request as the builtin model does, with its day words spelt out ("tmrw" is
   * "tomorrow"): a feature model of the same family (the HE path) rather than a language model.
   */
  readonly readsSpeltOut?: boolean;
  classify(text: string, intents: string[]): Promise<{ intent: string; confidence: number }>;
}

/** A plan proposed by a model: checked against the action schemas before anything uses it. */
export interface ProposedStep {
  id: string;
  action: string;
  params: Record<string, unknown>;
  dependsOn: string[];
  why?: string;
}

export interface PlanningProvider extends IntentProvider {
  plan(
    text: string,
    context: {
      intent: string;
      actions: { name: string; params: Record<string, string> }[];
      people: string[];
      when?: string;
    },
  ): Promise<ProposedStep[]>;
}
