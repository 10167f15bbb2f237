import { validateScenario, type ResolvedScenario } from "@sim/config";
import { Coordinator, MemoryTraceSink, scenarioOptions, type InProcessNode, type NodeContext, type RunSummary } from "@sim/coordinator";
import { describe, expect, it } from "vitest";
import { actuator, scenario } from "./__fixtures__/nodes.js";
import { ActuatorNode } from "./actuator.js";
import { BUILTIN_COUNTERS, createBuiltinNode } from "./factory.js";

/** Runs the scenario's built-in nodes, plus `extra`, on the real engine; returns the summary and the trace's lines. */
async function run(resolved: ResolvedScenario, extra: InProcessNode[] = []): Promise<{ summary: RunSummary; lines: Record<string, unknown>[] }> {
  const nodes = [...resolved.nodes.map((n) => createBuiltinNode(n, resolved)!), ...extra];
  const sink = new MemoryTraceSink();
  const summary = await new Coordinator({ ...scenarioOptions(resolved), nodes, trace: sink }).run();
  return { summary, lines: sink.lines().map((l) => JSON.parse(l) as Record<string, unknown>) };
}

function resolve(yaml: object): ResolvedScenario {
  const result = validateScenario(yaml);
  if (!result.ok) throw new Error(result.problems.map((p) => p.message).join("\n"));
  return result.scenario;
}

/** Sends each payload to `to` at its time, as a controller program would. */
function sender(id: string, to: string, sends: { atUs: number; payload: unknown }[]): InProcessNode {
  return {
    kind: "in-process",
    id,
    type: "controller",
    start: (ctx: NodeContext) => sends.forEach((_, i) => ctx.setTimer(sends[i]!.atUs, i)),
    receive: () => {},
    timer: (tag: number, ctx: NodeContext) => ctx.send(to, sends[tag]!.payload, 16),
  };
}

describe("ActuatorNode on the engine", () => {
  it("records each command a sensor sends it: a trace line, the counter, the actuation latency; late ones miss the deadline", async () => {
    // Two sensors target the valve directly: 40 ms and 60 ms away, deadline 50 ms.
    const resolved = resolve({
      duration_sec: 3,
      nodes: {
        near: { type: "sensor", target: "valve", period_ms: 1000 },
        far: { type: "sensor", target: "valve", period_ms: 1000, start_ms: 500 },
        valve: { type: "actuator", deadline_ms: 50 },
      },
      network: { type: "latency", links: [{ from: "near", to: "valve", latency_ms: 40 }, { from: "far", to: "valve", latency_ms: 60 }] },
    });
    expect(resolved.nodes.find((n) => n.id === "valve")).toEqual({ id: "valve", group: "valve", group_index: 0, group_size: 1, type: "actuator", deadline_ms: 50 });
    const { summary, lines } = await run(resolved);

    const commands = lines.filter((l) => l["ev"] === "command");
    expect(commands.map((l) => [l["t"], l["from"], l["seq"], l["latency_us"], l["missed"]])).toEqual([
      [40_000, "near", 0, 40_000, false],
      [560_000, "far", 1, 60_000, true],
      [1_040_000, "near", 2, 40_000, false],
      [1_560_000, "far", 3, 60_000, true],
      [2_040_000, "near", 4, 40_000, false],
      [2_560_000, "far", 5, 60_000, true],
    ]);
    // The command as it was sent: the sensor's reading.
    const sent = lines.find((l) => l["ev"] === "send" && l["from"] === "far");
    expect(commands[1]!["command"]).toEqual(sent!["payload"]);
    expect(Object.keys(commands[0]!)).toEqual(["t", "ev", "node", "from", "seq", "latency_us", "missed", "command"]);

    const valve = summary.nodes["valve"]!;
    expect(valve).toMatchObject({ type: "actuator", received: 6, sent: 0, counters: { commands: 6, missed_deadlines: 3 } });
    expect(Object.keys(valve.counters).every((c) => BUILTIN_COUNTERS.actuator.includes(c))).toBe(true);
    expect(summary.latency_ms["actuation"]).toMatchObject({ count: 6, p50: 40, max: 60 });
  });

  it("measures from the send time when a command names no sample; a command exactly at the deadline is in time", async () => {
    const resolved = resolve({
      duration_sec: 1,
      nodes: { valve: { type: "actuator", deadline_ms: 25 } },
      network: { type: "latency", default_latency_ms: 25 },
    });
    const controller = sender("ctl", "valve", [
      { atUs: 100_000, payload: { set: 1 } },
      { atUs: 200_000, payload: { set: 0, sampledAtUs: 199_999 } },
      { atUs: 300_000, payload: undefined },
    ]);
    const { summary, lines } = await run(resolved, [controller]);
    const commands = lines.filter((l) => l["ev"] === "command");
    expect(commands.map((l) => [l["latency_us"], l["missed"], l["command"]])).toEqual([
      [25_000, false, { set: 1 }],
      [25_001, true, { set: 0, sampledAtUs: 199_999 }],
      [25_000, false, null],
    ]);
    expect(summary.nodes["valve"]!.counters).toEqual({ commands: 3, missed_deadlines: 1 });
  });

  it("misses no deadline without one, however late", async () => {
    const resolved = resolve({ duration_sec: 20, nodes: { valve: { type: "actuator" } } });
    expect(resolved.nodes[0]).toMatchObject({ type: "actuator", deadline_ms: null });
    const { summary, lines } = await run(resolved, [sender("ctl", "valve", [{ atUs: 10_000_000, payload: { sampledAtUs: 0 } }])]);
    expect(lines.filter((l) => l["ev"] === "command").map((l) => [l["latency_us"], l["missed"]])).toEqual([[10_000_000, false]]);
    expect(summary.nodes["valve"]!.counters).toEqual({ commands: 1 });
  });

  it("is built by the factory for its resolved node", () => {
    expect(createBuiltinNode(actuator("valve", { deadline_ms: 5 }), scenario([]))).toBeInstanceOf(ActuatorNode);
  });
});
