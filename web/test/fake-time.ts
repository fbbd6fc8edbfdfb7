import { T0 } from './fixtures.ts';

/** Manual clock + timers: the tests decide when time passes. */
export class FakeTime {
  now = T0;
  private seq = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();
  clock = () => this.now;
  timersApi = {
    setTimeout: (fn: () => void, ms: number) => {
      const id = ++this.seq;
      this.timers.set(id, { at: this.now + ms, fn });
      return id;
    },
    clearTimeout: (h: unknown) => void this.timers.delete(h as number),
  };
  pending(): number[] {
    return [...this.timers.values()].map((t) => t.at - this.now).sort((a, b) => a - b);
  }
  advance(ms: number) {
    const end = this.now + ms;
    for (;;) {
      const next = [...this.timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!next) break;
      this.timers.delete(next[0]);
      this.now = next[1].at;
      next[1].fn();
    }
    this.now = end;
  }
}
