/** Something that reads an utterance as one of the known intents. */
export interface IntentProvider {
  readonly name: string;
  /**
   * Reads the request as the builtin model does, with its day words spelt out ("tmrw" is
   * "tomorrow"): a feature model of the same family (the HE path) rather than a language model.
   * It stands in for the builtin model, which then runs only if this provider fails.
   */
  readonly readsSpeltOut?: boolean;
  /**
   * The intent of `text`, one of `intents`; a provider that `readsSpeltOut` is given no list
   * (it knows its model's) and may rank the alternatives too.
   */
  classify(
    text: string,
    intents: string[],
  ): Promise<{ intent: string; confidence: number; ranked?: { intent: string; probability: number }[] }>;
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
      /** The user's notes retrieved for this request, most relevant first (decrypted on the device). */
      notes?: string[];
    },
  ): Promise<ProposedStep[]>;
}
