/**
 * AMQP 0-9-1 topic routing, as RabbitMQ does it, for the in-process bus: a routing key is words
 * separated by dots; in a binding pattern `*` stands for exactly one word and `#` for zero or
 * more. The same patterns then mean the same on both buses (a property test holds this against
 * a real RabbitMQ).
 */

export const routingKey = (userId: string, type: string) => `user.${userId}.${type}`;

/** Whether `key` is routed to a queue bound with `pattern`. */
export function topicMatches(pattern: string, key: string): boolean {
  const p = pattern.split('.');
  const k = key.split('.');
  // reach[j]: the first i pattern words can match the first j key words.
  let reach = new Array<boolean>(k.length + 1).fill(false);
  reach[0] = true;
  for (const word of p) {
    const next = new Array<boolean>(k.length + 1).fill(false);
    if (word === '#') {
      let any = false;
      for (let j = 0; j <= k.length; j++) {
        any ||= reach[j] === true;
        next[j] = any;
      }
    } else {
      for (let j = 1; j <= k.length; j++) next[j] = reach[j - 1] === true && (word === '*' || word === k[j - 1]);
    }
    reach = next;
  }
  return reach[k.length] === true;
}
