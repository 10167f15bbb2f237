import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRng } from "./rng.js";
import { EventQueue } from "./event-queue.js";

describe("EventQueue", () => {
  it("pops in (time, insertion) order, whatever the push order", () => {
    const rng = createRng("test/queue");
    const q = new EventQueue(4);
    const pushed: { t: number; v: number }[] = [];
    for (let v = 0; v < 5000; v++) {
      // Few distinct times: many ties.
      const t = Math.floor(rng.next() * 50) * 1000;
      q.push(t, v);
      pushed.push({ t, v });
    }
    const expected = [...pushed].sort((a, b) => a.t - b.t || a.v - b.v).map((e) => e.v);
    const got: number[] = [];
    while (q.size > 0) got.push(q.pop());
    expect(got).toEqual(expected);
  });

  it("breaks ties by insertion order, not by value", () => {
    const q = new EventQueue();
    for (const v of [9, 3, 7, 1, 5]) q.push(100, v);
    q.push(50, 42);
    expect([q.pop(), q.pop(), q.pop(), q.pop(), q.pop(), q.pop()]).toEqual([42, 9, 3, 7, 1, 5]);
  });

  it("keeps order when pushes and pops interleave (a hold model)", () => {
    const rng = createRng("test/queue-hold");
    const q = new EventQueue(2);
    let seq = 0;
    for (; seq < 300; seq++) q.push(Math.floor(rng.next() * 1e6), seq);
    let lastT = -1;
    let lastV = -1;
    let outOfOrder = 0;
    for (let i = 0; i < 20_000; i++) {
      const t = q.peekTime();
      const v = q.pop();
      // Values are insertion numbers here: at equal times they must increase.
      if (t < lastT || (t === lastT && v < lastV)) outOfOrder++;
      lastT = t;
      lastV = v;
      // Reschedule into the future, often at exactly the same time.
      const dt = rng.next() < 0.2 ? 0 : Math.floor(rng.next() * 1000);
      q.push(t + dt, seq++);
    }
    expect(outOfOrder).toBe(0);
    expect(q.size).toBe(300);
  });

  it("peekTime is Infinity when empty", () => {
    const q = new EventQueue();
    expect(q.peekTime()).toBe(Infinity);
    q.push(7, 1);
    expect(q.peekTime()).toBe(7);
    q.pop();
    expect(q.peekTime()).toBe(Infinity);
  });

  it("matches a sorted list for any mix of pushes and pops, whatever the spacing of times", () => {
    // Times: dense ties, a spread, clusters with far outliers, huge values; pushes at or after the last pop,
    // and sometimes before it (the queue must stay right even for a caller that goes back in time).
    const op = fc.oneof(
      { arbitrary: fc.record({ pop: fc.constant(true as const), n: fc.integer({ min: 1, max: 40 }) }), weight: 2 },
      {
        arbitrary: fc.record({
          pop: fc.constant(false as const),
          n: fc.integer({ min: 1, max: 200 }),
          dt: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 0, max: 2 ** 40 })),
          spread: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 10_000_000 })),
          back: fc.integer({ min: 0, max: 20 }),
        }),
        weight: 3,
      },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.integer({ min: 1, max: 2 ** 31 }), (ops, seed) => {
        const rng = createRng(`test/queue-model/${seed}`);
        const q = new EventQueue(2);
        const model: { t: number; s: number; v: number }[] = [];
        let seq = 0;
        let now = 0;
        for (const o of ops) {
          if (o.pop) {
            for (let k = 0; k < o.n && model.length > 0; k++) {
              model.sort((a, b) => a.t - b.t || a.s - b.s);
              const want = model.shift()!;
              if (q.peekTime() !== want.t) return false;
              if (q.pop() !== want.v) return false;
              now = want.t;
            }
          } else {
            for (let k = 0; k < o.n; k++) {
              const past = o.back > 18 ? Math.floor(rng.next() * (now + 1)) : null;
              const t = past ?? now + o.dt + Math.floor(rng.next() * (o.spread + 1));
              const v = seq * 7 + 3;
              q.push(t, v);
              model.push({ t, s: seq++, v });
            }
          }
          if (q.size !== model.length) return false;
        }
        model.sort((a, b) => a.t - b.t || a.s - b.s);
        for (const want of model) if (q.pop() !== want.v) return false;
        return q.size === 0 && q.peekTime() === Infinity;
      }),
      { numRuns: 300 },
    );
  });

  it("stays right through growth, shrinking and a change of spacing (a hold model over 100,000 events)", () => {
    const rng = createRng("test/queue-phases");
    const q = new EventQueue();
    let seq = 0;
    let now = 0;
    let lastT = -1;
    let lastV = -1;
    let bad = 0;
    const hold = (pending: number, rounds: number, gap: number) => {
      while (q.size < pending) q.push(now + Math.floor(rng.next() * gap), seq++);
      for (let i = 0; i < rounds; i++) {
        const t = q.peekTime();
        const v = q.pop();
        if (t < lastT || (t === lastT && v < lastV)) bad++;
        lastT = t;
        lastV = v;
        now = t;
        q.push(now + Math.floor(rng.next() * gap), seq++);
      }
    };
    hold(100_000, 200_000, 1_000_000); // spacing ~10 µs
    hold(100_000, 200_000, 100); // then everything within 100 µs of now: far denser
    while (q.size > 10) {
      const t = q.peekTime();
      const v = q.pop();
      if (t < lastT || (t === lastT && v < lastV)) bad++;
      lastT = t;
      lastV = v;
    }
    hold(10, 50_000, 1e9); // few events, far apart
    expect(bad).toBe(0);
    expect(q.size).toBe(10);
  });
});
