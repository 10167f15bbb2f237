import { createHash } from "node:crypto";
import { join } from "node:path";
import type { InboundMessage, OutboundMessage } from "@sim/coordinator";
import { ProtocolError } from "@sim/protocol";
import { beforeAll, describe, expect } from "vitest";
import {
  checkNothingLeftAfterSuite,
  dockerAvailable,
  dockerNode,
  dockerTest as it,
  ensureTestImage,
  FIXTURES,
  NODE_IMAGE,
  type DockerRun,
} from "./__fixtures__/docker-run.js";

const available = await dockerAvailable();

const QUANTUM_US = 10_000;
const QUANTA = 20;

/** The SDK node of __fixtures__/sdk-node.mjs, run in the node image with the SDK baked in. */
function sdkNode(id: string, config: Record<string, unknown> = {}) {
  return dockerNode(id, {
    image: NODE_IMAGE,
    command: ["node", "/app/node.mjs"],
    volumes: [`${join(FIXTURES, "sdk-node.mjs")}:/app/node.mjs:ro`],
    protocol: "stdio",
    config,
  });
}

/** Every third quantum, one inbound message shortly after the quantum starts. */
function inboundFor(k: number): InboundMessage[] {
  return k % 3 === 0 ? [{ from: "sensor_1", atUs: (k - 1) * QUANTUM_US + 500, payload: { k }, sizeBytes: 8 }] : [];
}

/** Runs the node through QUANTA quanta in lockstep; returns everything it sent and the digest of that. */
async function lockstep(run: DockerRun): Promise<{ outbound: OutboundMessage[]; digest: string }> {
  const node = sdkNode("edge");
  const ctx = run.context([node]);
  await run.launcher.prepare([node], ctx);
  const started = await run.launcher.launch(node, ctx);
  const outbound: OutboundMessage[] = [];
  try {
    expect(started.external?.type).toBe("docker");
    await started.external?.start({ seed: 42, timeQuantumUs: QUANTUM_US });
    for (let k = 1; k <= QUANTA; k++) {
      outbound.push(...((await started.external?.advance(k * QUANTUM_US, inboundFor(k))) ?? []));
    }
  } finally {
    await started.stop();
    await run.launcher.cleanup(ctx);
  }
  return { outbound, digest: createHash("sha256").update(JSON.stringify(outbound)).digest("hex") };
}

describe.runIf(available)("protocol: stdio containers", () => {
  beforeAll(async () => {
    await ensureTestImage("node");
  });
  checkNothingLeftAfterSuite();

  it("takes part in lockstep over attached stdio and sends the same sequence in repeated runs", async ({ run }) => {
    const first = await lockstep(run);
    const log = await run.logOf("edge");
    const second = await lockstep(run);

    expect(first.outbound).toHaveLength(QUANTA + Math.floor(QUANTA / 3));
    expect(first.outbound[0]).toMatchObject({ to: "peer", nodeSeq: 0, payload: { n: 0 } });
    const echo = first.outbound.find((m) => m.to === "sensor_1");
    expect(echo).toMatchObject({ atUs: 2 * QUANTUM_US + 500, payload: { echo: { k: 3 }, received: 1 } });
    expect(second.digest).toBe(first.digest);
    expect(second.outbound).toEqual(first.outbound);

    // stderr and the node's protocol log lines are in its log; shutdown made it exit 0.
    expect(log).toContain("sdk-node edge starting (seed 42)");
    expect(log).toContain("[node:info] sent 20, received 6");
    expect(log).toContain("sdk-node stopping");
    expect(log).toContain("[sim] container exited with code 0");
  });

  it("applies the scenario's limits: its log is truncated with a note while it runs on, one send too many fails it", async ({ run }) => {
    const node = sdkNode("chatty", { stderr_lines: 40, flood_at_us: 3 * QUANTUM_US, flood_sends: 1000 });
    const ctx = run.context([node], { limits: { sends_per_quantum: 1000, log_lines: 50, log_bytes: 1024 * 1024 } });
    const started = await run.launcher.launch(node, ctx);
    await started.external?.start({ seed: 7, timeQuantumUs: QUANTUM_US });
    // 40 stderr lines per quantum: past 50 lines in the second quantum; the node keeps answering.
    for (let k = 1; k <= 3; k++) await started.external?.advance(k * QUANTUM_US, []);
    // 1000 sends plus its usual one: 1001 in the fourth quantum.
    const failure = await started.external?.advance(4 * QUANTUM_US, []).then(
      () => null,
      (error: unknown) => error,
    );
    await started.stop();
    await run.launcher.cleanup(ctx);
    expect(failure).toBeInstanceOf(ProtocolError);
    expect((failure as ProtocolError).kind).toBe("too-many-sends");
    expect((failure as Error).message).toMatch(/^node "chatty" failed: sent more than 1000 messages in the quantum \[30000, 40000\] µs \(limits.sends_per_quantum\)/);
    const log = await run.logOf("chatty");
    const kept = log.split("\n").filter((l) => !l.startsWith("[sim]") && l !== "");
    expect(kept).toHaveLength(50);
    expect(kept[0]).toBe("sdk-node chatty starting (seed 7)");
    expect(log).toMatch(/\n\[sim\] log truncated after 50 lines, \d+ bytes \(limits.log_lines is 50\); the node kept running/);
    expect(log).toMatch(/\n\[sim\] dropped \d+ lines, \d+ bytes of output after the log was truncated\n/);
    expect(log).not.toContain("noise 30000");
  });

  it("fails cleanly when the container crashes mid-run, naming the node and keeping its log", async ({ run }) => {
    const node = sdkNode("fragile", { crash_at_us: 50_000 });
    const ctx = run.context([node]);
    const started = await run.launcher.launch(node, ctx);
    await started.external?.start({ seed: 7, timeQuantumUs: QUANTUM_US });
    let failure: unknown = null;
    for (let k = 1; k <= QUANTA && failure === null; k++) {
      failure = await started.external?.advance(k * QUANTUM_US, []).then(
        () => null,
        (error: unknown) => error,
      );
    }
    expect(failure).toBeInstanceOf(ProtocolError);
    expect((failure as ProtocolError).code).toBe("SIM_NODE_FAILED");
    expect((failure as ProtocolError).node).toBe("fragile");
    expect((failure as Error).message).toMatch(/^node "fragile" failed: exited with code 3/);
    expect((failure as Error).message).toContain("boom: fragile crashes at 50000 us");

    await started.stop();
    await started.stop();
    await run.launcher.cleanup(ctx);
    const log = await run.logOf("fragile");
    expect(log).toContain("boom: fragile crashes at 50000 us");
    expect(log).toContain("[sim] container exited with code 3");
  });
});
