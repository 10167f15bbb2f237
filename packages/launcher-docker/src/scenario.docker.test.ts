// scenarios/docker-edge.yaml through the real config package and this launcher: it
// validates, passes check(), its edge image builds from its context, and the edge
// container aggregates readings in lockstep. (The whole run, with the coordinator and
// the in-process nodes, is the harness's end-to-end test.)
import { join } from "node:path";
import { loadScenario, type ResolvedDockerNode } from "@sim/config";
import type { InboundMessage, OutboundMessage } from "@sim/coordinator";
import { afterAll, beforeAll, describe, expect } from "vitest";
import {
  checkNothingLeftAfterSuite,
  dockerAvailable,
  dockerTest as it,
  ensureTestImage,
  REPO_ROOT,
  testDocker,
} from "./__fixtures__/docker-run.js";
import { imageOf } from "./container-spec.js";

const available = await dockerAvailable();
const SCENARIO = join(REPO_ROOT, "scenarios/docker-edge.yaml");

describe.runIf(available)("scenarios/docker-edge.yaml", () => {
  let builtImage: string | null = null;
  beforeAll(async () => {
    await ensureTestImage("node");
  });
  afterAll(async () => {
    if (builtImage !== null) await testDocker().getImage(builtImage).remove({ force: true }).catch(() => {});
  });
  checkNothingLeftAfterSuite();

  it("validates, passes check(), builds its edge image and aggregates in lockstep", async ({ run }) => {
    const { scenario } = await loadScenario(SCENARIO);
    const docker = scenario.nodes.filter((n): n is ResolvedDockerNode => n.type === "docker");
    expect(docker.map((n) => [n.id, n.protocol])).toEqual([["edge", "stdio"]]);
    expect(await run.launcher.check(docker, scenario)).toEqual([]);

    const edge = docker[0] as ResolvedDockerNode;
    builtImage = imageOf(edge, scenario.name);
    const ctx = { ...run.context(docker), scenario };
    await run.launcher.prepare(docker, ctx);
    const started = await run.launcher.launch(edge, ctx);
    const sent: OutboundMessage[] = [];
    try {
      await started.external?.start({ seed: scenario.seed, timeQuantumUs: scenario.time_quantum_us });
      const reading = (i: number, temperature: number): InboundMessage => ({
        from: `sensor_${i}`,
        atUs: 5_000 + i * 100,
        payload: { seq: 0, sampledAtUs: i * 100, readings: { temperature, humidity: 40 }, anomaly: i === 2 },
        sizeBytes: 32,
      });
      sent.push(...((await started.external?.advance(10_000, [reading(0, 20), reading(1, 21), reading(2, 22)])) ?? []));
      expect(sent).toEqual([]);
      sent.push(...((await started.external?.advance(20_000, [{ ...reading(3, 23), atUs: 15_000 }])) ?? []));
    } finally {
      await started.stop();
      await run.launcher.cleanup(ctx);
    }
    expect(sent).toEqual([
      {
        to: "cloud",
        atUs: 15_000,
        nodeSeq: 0,
        sizeBytes: expect.any(Number),
        payload: { seq: 0, origin: "edge", count: 4, sampledAtUs: 0, readings: { temperature: 21.5, humidity: 40 }, anomaly: true },
      },
    ]);
    const log = await run.logOf("edge");
    expect(log).toContain("edge edge: window 4, upstream cloud");
    expect(log).toContain("[node:info] forwarded 1 aggregates");
  });
});
