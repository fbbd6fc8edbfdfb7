/**
 * Which gateway owns an arriving vendor topic (issue #4 item 2: "topic patterns route messages to the right decoder
 * and gateway; a message on no known gateway's topic is counted, never guessed"). A trie over topic levels, so a
 * lookup costs one map probe per level whatever the number of gateways (a linear scan over 344 filters per message
 * would cost more than the decode). Filters never overlap (the registry refuses overlapping ones), so a topic has at
 * most one owner; if overlapping filters are loaded anyway (a hand-edited database), the lookup reports 'ambiguous'.
 */
import { topicFilterProblem } from '@rtls/protocol';

interface Node<T> {
  children: Map<string, Node<T>>;
  /** Owners of the filter ending here. */
  here: T[];
  /** Owners of `<this level>/#` (also matches this level itself, MQTT 3.1.1 §4.7.1.2). */
  rest: T[];
}

const node = <T>(): Node<T> => ({ children: new Map(), here: [], rest: [] });

export type TopicLookup<T> = { kind: 'none' } | { kind: 'one'; owner: T } | { kind: 'ambiguous'; owners: T[] };

export class TopicIndex<T> {
  #root: Node<T> = node();
  #size = 0;

  /** Adds a filter; returns the problem instead when the filter is unusable (topic-filters.ts). */
  add(filter: string, owner: T): string | null {
    const problem = topicFilterProblem(filter);
    if (problem) return problem;
    let n = this.#root;
    for (const level of filter.split('/')) {
      if (level === '#') {
        n.rest.push(owner);
        this.#size++;
        return null;
      }
      let next = n.children.get(level);
      if (!next) n.children.set(level, (next = node()));
      n = next;
    }
    n.here.push(owner);
    this.#size++;
    return null;
  }

  get size(): number {
    return this.#size;
  }

  lookup(topic: string): TopicLookup<T> {
    const found: T[] = [];
    const levels = topic.split('/');
    // `$` topics never match a filter whose first level is a wildcard (MQTT 3.1.1 §4.7.2).
    const dollar = topic.startsWith('$');
    const walk = (n: Node<T>, i: number): void => {
      if (!(dollar && i === 0)) found.push(...n.rest);
      if (i === levels.length) {
        found.push(...n.here);
        return;
      }
      const exact = n.children.get(levels[i]!);
      if (exact) walk(exact, i + 1);
      const plus = n.children.get('+');
      if (plus && !(dollar && i === 0)) walk(plus, i + 1);
    };
    walk(this.#root, 0);
    if (found.length === 0) return { kind: 'none' };
    const owners = [...new Set(found)];
    return owners.length === 1 ? { kind: 'one', owner: owners[0]! } : { kind: 'ambiguous', owners };
  }
}
