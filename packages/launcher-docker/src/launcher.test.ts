import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerNode, scenarioOf } from "./__fixtures__/docker-run.js";
import { createDockerLauncher } from "./launcher.js";

/** An engine that is certainly not there: check() must still report everything else. */
const launcher = createDockerLauncher({ defaultHost: "unix:///nonexistent/sim-test/docker.sock" });
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sim-launcher-unit-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("describe()", () => {
  it("shows what would run, ports with their host address, and calls out privileged containers", () => {
    const node = dockerNode("edge", { ports: ["8080:80", "9000"], privileged: true, protocol: "stdio" });
    expect(launcher.describe(node)).toMatchObject({
      type: "docker",
      image: "sim-test/busybox:1",
      protocol: "stdio",
      engine: "unix:///nonexistent/sim-test/docker.sock",
      ports: ["127.0.0.1:8080->80/tcp", "127.0.0.1:(any)->9000/tcp"],
      networks: ["default"],
      privileged: true,
      warning: expect.stringContaining("privileged"),
    });
    expect(launcher.describe(dockerNode("plain"))).not.toHaveProperty("warning");
  });
});

describe("check()", () => {
  it("reports the unreachable engine once, with config problems of every group, and touches nothing", async () => {
    const nodes = [
      dockerNode("a_0", { group: "a", ports: ["bad-port"] }),
      dockerNode("a_1", { group: "a", ports: ["bad-port"] }),
      dockerNode("b", { volumes: [`${join(dir, "missing")}:/data`] }),
      dockerNode("c", { docker_host: "ftp://nowhere" }),
    ];
    const problems = await launcher.check(nodes, scenarioOf(nodes, { source: "/exp/s.yaml" }));
    expect(problems.map((p) => [p.severity, p.code, p.path.join(".")])).toEqual([
      ["error", "SIM_DOCKER_UNAVAILABLE", "nodes.a"],
      ["error", "SIM_DOCKER_CONFIG_INVALID", "nodes.a.ports.0"],
      ["error", "SIM_DOCKER_VOLUME_MISSING", "nodes.b.volumes.0"],
      ["error", "SIM_DOCKER_CONFIG_INVALID", "nodes.c.docker_host"],
    ]);
    expect(problems[0]?.message).toContain("unix:///nonexistent/sim-test/docker.sock");
    expect(problems.every((p) => p.file === "/exp/s.yaml")).toBe(true);
  });
});
