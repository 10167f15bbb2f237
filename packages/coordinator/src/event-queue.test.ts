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
});
