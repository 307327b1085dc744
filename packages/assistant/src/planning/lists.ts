import type { Planner } from './plan.ts';

/** "add milk to my shopping list". */
export const addToList: Planner = ({ slots }) => ({
  steps: [
    {
      id: 's1',
      action: 'lists.add_item',
      params: { list: slots.listName ?? 'shopping', item: slots.item ?? null },
      dependsOn: [],
      why: `add ${slots.item ?? 'it'} to your ${slots.listName ?? 'shopping'} list`,
    },
  ],
  questions: slots.item ? [] : ['What should I add?'],
  reasoning: [],
});

/** "what's on my shopping list". */
export const showList: Planner = ({ slots }) => ({
  steps: [
    {
      id: 's1',
      action: 'lists.show',
      params: { list: slots.listName ?? 'shopping' },
      dependsOn: [],
      why: 'show the list',
    },
  ],
  questions: [],
  reasoning: [],
});
