/** Something that reads an utterance as one of the known intents. */
export interface IntentProvider {
  readonly name: string;
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
