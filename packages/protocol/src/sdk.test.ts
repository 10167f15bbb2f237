import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createProtocolNode } from "./protocol-node.js";
import { runNode, type NodeHandlers } from "./sdk.js";

/** runNode in async mode over in-memory streams, driven by the coordinator-side node. */
function pair(handlers: NodeHandlers) {
  const toNode = new PassThrough();
  const fromNode = new PassThrough();
  const running = runNode({ ...handlers, io: "async", stdin: toNode, stdout: fromNode, exit: false, redirectConsole: false });
  const logs: string[] = [];
  const node = createProtocolNode({
    id: "n1",
    type: "process",
    stdin: toNode,
    stdout: fromNode,
    config: { target: "g" },
    quantumWallMs: 2000,
    onLog: (level, msg) => logs.push(`${level}:${msg}`),
  });
  return { node, running, logs, toNode };
}

describe("runNode", () => {
  it("runs deliveries and timers in virtual-time order and keeps the clock", async () => {
    const seen: string[] = [];
    const { node, running } = pair({
      init(n) {
        expect(n.id).toBe("n1");
        expect(n.seed).toBe(7);
        expect(n.timeQuantumUs).toBe(1000);
        expect(n.config).toEqual({ target: "g" });
        n.setTimer(250, () => {
          seen.push(`timer@${n.now()}`);
          n.send("g", "tick");
        });
      },
      onAdvance(until, n) {
        seen.push(`advance@${n.now()}->${until}`);
      },
      onDeliver(msg, n) {
        seen.push(`deliver@${n.now()} from ${msg.from} ${JSON.stringify(msg.payload)} ${msg.sizeBytes}`);
        n.send(msg.from, { echo: msg.payload }, { atUs: n.now() + 10 });
      },
    });
    await node.start({ seed: 7, timeQuantumUs: 1000 });
    const out = await node.advance(1000, [
      { from: "a", atUs: 100, payload: 1, sizeBytes: 4 },
      { from: "b", atUs: 250, payload: 2, sizeBytes: 4 },
      { from: "c", atUs: 1000, payload: 3, sizeBytes: 4 },
    ]);
    expect(seen).toEqual([
      "advance@0->1000",
      "deliver@100 from a 1 4",
      // The timer was set before the delivery arrived: same time, earlier first.
      "timer@250",
      "deliver@250 from b 2 4",
    ]);
    expect(out.map((m) => [m.to, m.atUs, m.payload])).toEqual([
      ["a", 110, { echo: 1 }],
      ["g", 250, "tick"],
      ["b", 260, { echo: 2 }],
    ]);
    // The delivery at exactly 1000 belongs to the next quantum.
    const next = await node.advance(2000, []);
    expect(seen.at(-1)).toBe("deliver@1000 from c 3 4");
    expect(next.map((m) => m.atUs)).toEqual([1010]);
    await node.shutdown();
    await running;
  });

  it("awaits async handlers in order", async () => {
    const order: number[] = [];
    const { node, running } = pair({
      async onDeliver(msg, n) {
        await new Promise((r) => setTimeout(r, 5 - (msg.payload as number)));
        order.push(msg.payload as number);
        n.send("g", msg.payload);
      },
    });
    await node.start({ seed: 1, timeQuantumUs: 100 });
    const out = await node.advance(100, [1, 2, 3, 4].map((i) => ({ from: "a", atUs: i, payload: i, sizeBytes: 1 })));
    expect(order).toEqual([1, 2, 3, 4]);
    expect(out.map((m) => m.payload)).toEqual([1, 2, 3, 4]);
    await node.shutdown();
    await running;
  });

  it("refuses a send outside the quantum, in the node, with a clear error", async () => {
    let error: unknown;
    const { node, running } = pair({
      onAdvance(until, n) {
        try {
          n.send("g", 1, { atUs: until }); // the quantum's end belongs to the next one
        } catch (err) {
          error = err;
        }
      },
    });
    await node.start({ seed: 1, timeQuantumUs: 100 });
    await node.advance(100, []);
    expect(String(error)).toContain("atUs 100 is outside the quantum being run [0, 100)");
    await node.shutdown();
    await running;
  });

  it("sends log lines and calls onShutdown once", async () => {
    let shutdowns = 0;
    const { node, running, logs } = pair({
      init(n) {
        n.log("info", "starting");
      },
      onShutdown(n) {
        shutdowns++;
        n.log("warn", "bye");
      },
    });
    await node.start({ seed: 1, timeQuantumUs: 100 });
    await node.advance(100, []);
    await node.shutdown();
    await running;
    expect(shutdowns).toBe(1);
    expect(logs[0]).toBe("info:starting");
  });

  it("ends when stdin closes", async () => {
    let shutdowns = 0;
    const { node, running, toNode } = pair({ onShutdown: () => void shutdowns++ });
    await node.start({ seed: 1, timeQuantumUs: 100 });
    toNode.end();
    await running;
    expect(shutdowns).toBe(1);
  });

  it("rejects (exit: false) when a handler throws", async () => {
    const { node, running } = pair({
      onAdvance() {
        throw new Error("model file missing");
      },
    });
    running.catch(() => {});
    await node.start({ seed: 1, timeQuantumUs: 100 });
    void node.advance(100, []).catch(() => {});
    await expect(running).rejects.toThrow("model file missing");
  });
});
