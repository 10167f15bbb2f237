import type { ResolvedModuleNode } from "@sim/config";
import { Coordinator, MemoryTraceSink, type InProcessNode, type NodeContext } from "@sim/coordinator";
import { describe, expect, it } from "vitest";
import { scenario } from "./__fixtures__/nodes.js";
import { createCustomNode, isConstructor, type CustomNodeType } from "./custom-node.js";
import { CustomNodeError } from "./errors.js";
import { createBuiltinNode } from "./factory.js";

const node = (id: string, params: Record<string, unknown> = {}): ResolvedModuleNode => ({ id, group: id, group_index: 0, group_size: 1, type: "module", module: null, export: "Ticker", params });

/** Counts its ticks and draws from its own stream: a node written against the public interface only. */
class Ticker implements InProcessNode {
  readonly kind = "in-process";
  readonly type = "ticker";
  readonly id: string;
  private readonly everyUs: number;
  constructor(n: ResolvedModuleNode) {
    this.id = n.id;
    this.everyUs = Number(n.params.every_us ?? 1000);
  }
  start(ctx: NodeContext): void {
    ctx.setTimer(this.everyUs, 0);
  }
  receive(): void {}
  timer(tag: number, ctx: NodeContext): void {
    ctx.count("ticks");
    ctx.trace("tick", { n: tag, draw: ctx.rng.next() });
    ctx.setTimer(this.everyUs, tag + 1);
  }
}

function expectError(build: () => unknown, reason: CustomNodeError["reason"], message: RegExp): void {
  try {
    build();
    expect.unreachable();
  } catch (error) {
    expect(error).toBeInstanceOf(CustomNodeError);
    expect((error as CustomNodeError).code).toBe("SIM_CUSTOM_NODE_INVALID");
    expect((error as CustomNodeError).reason).toBe(reason);
    expect((error as CustomNodeError).message).toMatch(message);
  }
}

describe("createCustomNode", () => {
  it("builds the node with its resolved entry; the coordinator runs it like a built-in, from its own seeded stream", async () => {
    const run = async (seed: number) => {
      const sink = new MemoryTraceSink();
      const nodes = [createCustomNode(node("a", { every_us: 250 }), Ticker), createCustomNode(node("b"), Ticker)];
      const summary = await new Coordinator({ nodes, seed, durationUs: 10_000, trace: sink }).run();
      return { summary, text: sink.text() };
    };
    const first = await run(3);
    expect(first.summary.nodes["a"]).toMatchObject({ type: "ticker", counters: { ticks: 39 } });
    expect(first.summary.nodes["b"]!.counters["ticks"]).toBe(9);
    expect((await run(3)).text).toBe(first.text);
    expect((await run(4)).text).not.toBe(first.text);
  });

  it("says what a class built instead of an in-process node with the node's id", () => {
    const variant = (change: (n: Record<string, unknown>) => void): CustomNodeType =>
      class extends Ticker {
        constructor(n: ResolvedModuleNode) {
          super(n);
          change(this as unknown as Record<string, unknown>);
        }
      };
    expectError(() => createCustomNode(node("a"), variant((n) => (n.kind = "external"))), "not-a-node", /has kind "external", not "in-process"/);
    expectError(() => createCustomNode(node("a"), variant((n) => (n.id = "b"))), "not-a-node", /has id "b", not "a"/);
    expectError(() => createCustomNode(node("a"), variant((n) => (n.type = ""))), "not-a-node", /has no `type`/);
    expectError(() => createCustomNode(node("a"), variant((n) => (n.timer = undefined))), "not-a-node", /has no timer\(\) method/);
    expectError(() => createCustomNode(node("a"), variant((n) => (n.finish = 5))), "not-a-node", /`finish` that is not a method/);
  });

  it("wraps what a constructor throws, keeping it as the cause", () => {
    const boom = new RangeError("speed must be positive");
    const Throwing = class Walker {
      constructor() {
        throw boom;
      }
    } as unknown as CustomNodeType;
    try {
      createCustomNode(node("w_3"), Throwing);
      expect.unreachable();
    } catch (error) {
      expect((error as CustomNodeError).reason).toBe("threw");
      expect((error as Error).message).toBe('new Walker() threw for node "w_3": speed must be positive');
      expect((error as Error).cause).toBe(boom);
    }
  });

  it("tells a class from an arrow function or a value", () => {
    expect(isConstructor(Ticker)).toBe(true);
    expect(isConstructor(function Old() {})).toBe(true);
    expect(isConstructor(() => ({}))).toBe(false);
    expect(isConstructor({ paramsSchema: {} })).toBe(false);
  });
});

describe("createBuiltinNode for a module node", () => {
  it("builds it with the class services.customNodeType gives, and refuses without one", () => {
    const n = node("t");
    const sc = scenario([n]);
    const built = createBuiltinNode(n, sc, { customNodeType: (m) => (m.export === "Ticker" ? Ticker : undefined) });
    expect(built).toBeInstanceOf(Ticker);
    expectError(() => createBuiltinNode(n, sc), "missing", /module node "t" needs its class \(registered as "Ticker"\)/);
  });
});
