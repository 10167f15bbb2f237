import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import type { RunRecord } from "../resources/run-record.js";
import { registryFile } from "../resources/state-dir.js";
import { cleanLeftovers } from "./clean-leftovers.js";

const IMAGE = "sim-reaper-test/empty:1";
const RUN = `dockerclean-${process.pid}`;
const UNLISTED = `dockerorphan-${process.pid}`;

function docker(args: string[], input?: Buffer): string {
  const r = spawnSync("docker", args, { input, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`docker ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout.trim();
}
const labelled = (kind: "ps" | "network ls", runId: string): string[] =>
  docker([...kind.split(" "), ...(kind === "ps" ? ["-a"] : []), "-q", "--filter", `label=sim.run-id=${runId}`]).split("\n").filter(Boolean);

beforeAll(() => {
  // An image with nothing in it: containers can be created (not started) from it.
  docker(["import", "-", IMAGE], Buffer.alloc(1024));
});
afterAll(() => {
  for (const run of [RUN, UNLISTED]) {
    for (const id of labelled("ps", run)) docker(["rm", "-f", id]);
    for (const id of labelled("network ls", run)) docker(["network", "rm", id]);
  }
  docker(["rmi", IMAGE]);
});

describe("cleanLeftovers with Docker", () => {
  it("removes a stale run's containers and networks, listed or only labelled", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "sim-state-"));
    onTestFinished(() => rmSync(stateDir, { recursive: true, force: true }));
    const network = docker(["network", "create", "--label", `sim.run-id=${RUN}`, `sim-reaper-test-${RUN}`]);
    const container = docker(["create", "--label", `sim.run-id=${RUN}`, "--network", `sim-reaper-test-${RUN}`, IMAGE, "/nothing"]);
    const labelledOnly = docker(["create", "--label", `sim.run-id=${RUN}`, IMAGE, "/nothing"]);
    const orphanNetwork = docker(["network", "create", "--label", `sim.run-id=${UNLISTED}`, `sim-reaper-test-${UNLISTED}`]);

    mkdirSync(join(stateDir, "runs"), { recursive: true });
    const record: RunRecord = {
      version: 1,
      runId: RUN,
      harness: { pid: spawnSync("true").pid!, startTime: null },
      createdAt: "2025-01-01T00:00:00.000Z",
      localDockerHost: null,
      processes: [],
      containers: [{ node: "d1", id: container, dockerHost: null }],
      networks: [{ name: `sim-reaper-test-${RUN}`, id: network, dockerHost: null }],
    };
    writeFileSync(registryFile(stateDir, RUN), JSON.stringify(record));

    // By default only what this machine's registry knows: the unlisted network stays.
    const mine = await cleanLeftovers({ stateDir, dryRun: true, runIds: [RUN, UNLISTED] });
    expect(mine.unlisted.networks).toEqual([]);
    const preview = await cleanLeftovers({ stateDir, dryRun: true, runIds: [RUN, UNLISTED], unlisted: true });
    expect(preview.unlisted.networks).toEqual([{ id: orphanNetwork, dockerHost: null, outcome: "would-remove" }]);
    expect(preview.staleRuns[0]!.containers.map((c) => c.outcome)).toEqual(["would-remove", "would-remove"]);
    expect(labelled("ps", RUN)).toHaveLength(2);

    const report = await cleanLeftovers({ stateDir, runIds: [RUN, UNLISTED], unlisted: true });
    expect(report.errors).toEqual([]);
    const stale = report.staleRuns[0]!;
    expect(stale.clean).toBe(true);
    expect(stale.fileRemoved).toBe(true);
    expect(stale.containers.map((c) => [c.id, c.outcome]).sort()).toEqual([[container, "removed"], [labelledOnly, "removed"]].sort());
    expect(stale.networks).toEqual([{ id: network, dockerHost: null, outcome: "removed" }]);
    expect(report.unlisted.networks).toEqual([{ id: orphanNetwork, dockerHost: null, outcome: "removed" }]);
    expect(labelled("ps", RUN)).toEqual([]);
    expect(labelled("network ls", RUN)).toEqual([]);
    expect(labelled("network ls", UNLISTED)).toEqual([]);
    expect(existsSync(registryFile(stateDir, RUN))).toBe(false);
  });
});
