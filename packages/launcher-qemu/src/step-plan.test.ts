import { describe, expect, it } from "vitest";
import { planSteps } from "./step-plan.js";

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString("utf8");
const message = (atUs: number, payload: unknown) => ({ from: "x", atUs, payload, sizeBytes: 1 });

describe("planSteps", () => {
  it("stops at every multiple of quantum_us and at the quantum's end", () => {
    const plan = planSteps(0, 5000, 1000, []);
    expect(plan.steps.map((s) => s.untilUs)).toEqual([1000, 2000, 3000, 4000, 5000]);
    expect(plan.steps.every((s) => s.rx.length === 0)).toBe(true);
    expect(plan.carry.length).toBe(0);
  });

  it("keeps the grid of multiples when a quantum does not start on one", () => {
    expect(planSteps(2500, 5000, 1000, []).steps.map((s) => s.untilUs)).toEqual([3000, 4000, 5000]);
  });

  it("also stops at each delivery time and gives the message's line with the grant that starts there", () => {
    const plan = planSteps(0, 3000, 1000, [message(1500, { a: 1 }), message(1500, "two"), message(2000, "three")]);
    expect(plan.steps.map((s) => [s.untilUs, text(s.rx)])).toEqual([
      [1000, ""],
      [1500, ""],
      [2000, '{"a":1}\ntwo\n'],
      [3000, "three\n"],
    ]);
  });

  it("gives a late message (before the quantum) at its start, and carries one at its end to the next quantum", () => {
    const plan = planSteps(1000, 2000, 1000, [message(900, "late"), message(2000, "at the end")], new TextEncoder().encode("carried\n"));
    expect(plan.steps.map((s) => [s.untilUs, text(s.rx)])).toEqual([[2000, "carried\nlate\n"]]);
    expect(text(plan.carry)).toBe("at the end\n");
  });
});
