import type { DraftStep, Plan, PlanContext, Planner } from './plan.ts';

const listOf = (name: string | undefined) => name ?? 'shopping';

/** One step per item ("bread and butter" is two), or the question when no item was said. */
function perItem(
  { slots }: PlanContext,
  action: string,
  ask: string,
  why: (item: string, list: string) => string,
): Plan {
  const list = listOf(slots.listName);
  if (slots.items.length === 0) return { steps: [], questions: [`${ask} your ${list} list?`], reasoning: [] };
  return {
    steps: slots.items.map(
      (item, i): DraftStep => ({
        id: `s${i + 1}`,
        action,
        params: { list, item },
        dependsOn: [],
        why: why(item, list),
      }),
    ),
    questions: [],
    reasoning: [],
  };
}

/** "add milk to my shopping list", "put bread and butter on the list". */
export const addToList: Planner = (ctx) =>
  perItem(ctx, 'lists.add_item', 'What should I add to', (item, list) => `add ${item} to your ${list} list`);

/** "take eggs off the shopping list", "cross milk off my list". */
export const removeFromList: Planner = (ctx) =>
  perItem(ctx, 'lists.remove_item', 'What should I take off', (item, list) => `take ${item} off your ${list} list`);

/** "what's on my shopping list". */
export const showList: Planner = ({ slots }) => ({
  steps: [
    {
      id: 's1',
      action: 'lists.show',
      params: { list: listOf(slots.listName) },
      dependsOn: [],
      why: `show your ${listOf(slots.listName)} list`,
    },
  ],
  questions: [],
  reasoning: [],
});
