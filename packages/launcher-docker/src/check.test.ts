import { parseScenario, type ResolvedDockerNode, type ResolvedScenario } from "@sim/config";
import Docker from "dockerode";
import { describe, expect, it } from "vitest";
import { checkDockerNodes } from "./check.js";
import { createOptions, planNode } from "./container-spec.js";
import type { Engine, Engines } from "./engine.js";

/** A scenario through @sim/config's validation, as `sim validate` and `sim run` get it. */
function scenario(...nodeLines: string[]): { scenario: ResolvedScenario; nodes: ResolvedDockerNode[] } {
  const result = parseScenario(["duration_sec: 1", "nodes:", ...nodeLines, ""].join("\n"), { source: "/exp/s.yaml" });
  if (!result.ok) throw new Error(result.problems.map((p) => p.message).join("; "));
  return { scenario: result.scenario, nodes: result.scenario.nodes.filter((n): n is ResolvedDockerNode => n.type === "docker") };
}

/**
 * One engine for every node: a real dockerode client on a socket that is not there,
 * whose ping answers, so that check() goes on to look up images.
 */
function engineWith(address: string, inspect?: () => Promise<unknown>): Engines {
  const docker = new Docker({ socketPath: "/nonexistent/sim-test/docker.sock" });
  docker.ping = (async () => "OK") as unknown as Docker["ping"];
  if (inspect) docker.getImage = (() => ({ inspect })) as unknown as Docker["getImage"];
  const engine: Engine = { docker, address, registryHost: address, publishedHost: "engine.example" };
  return { get: () => engine, addressFor: () => address } as unknown as Engines;
}

describe("IPv6 port mappings", () => {
  it("pass validation and check, and reach Docker's HostIp without brackets", async () => {
    const { scenario: s, nodes } = scenario("  web: {type: docker, image: nginx, protocol: none, ports: ['[::1]:8443:443', '[::]:9000:9000/udp', '[2001:db8::1]::80']}");
    const { plan, issues } = planNode(nodes[0]!, s.name);
    expect(issues).toEqual([]);
    expect(createOptions(nodes[0]!, plan, { runId: "r1", scenario: s.name }).HostConfig?.PortBindings).toEqual({
      "443/tcp": [{ HostIp: "::1", HostPort: "8443" }],
      "9000/udp": [{ HostIp: "::", HostPort: "9000" }],
      "80/tcp": [{ HostIp: "2001:db8::1", HostPort: "" }],
    });
    const problems = await checkDockerNodes(nodes, s, engineWith("unix:///nonexistent/sim-test/docker.sock", async () => ({})));
    expect(problems).toEqual([]);
  });

  it("::1 on a remote engine is loopback too: waiting on it is flagged", async () => {
    const { scenario: s, nodes } = scenario("  web: {type: docker, image: nginx, protocol: none, ports: ['[::1]:8443:443'], wait_for: {port: 443}}");
    const problems = await checkDockerNodes(nodes, s, engineWith("tcp://engine.example:2375", async () => ({})));
    expect(problems.map((p) => [p.severity, p.code, p.path.join(".")])).toEqual([["warning", "SIM_DOCKER_PORT_UNREACHABLE", "nodes.web.wait_for.port"]]);
    expect(problems[0]?.hint).toContain('"[::]:8443:443"');
  });
});

describe("image look-ups", () => {
  it("an image the engine's API cannot take is a problem, not a crash (a node built in code skips the schema)", async () => {
    const { scenario: s, nodes } = scenario("  web: {type: docker, image: nginx, protocol: none}");
    // Node's HTTP client throws a TypeError for this path before anything is sent.
    const node = { ...nodes[0]!, image: "evil image" };
    const problems = await checkDockerNodes([node], s, engineWith("unix:///nonexistent/sim-test/docker.sock"));
    expect(problems.map((p) => [p.severity, p.code, p.path.join(".")])).toEqual([["error", "SIM_DOCKER_CONFIG_INVALID", "nodes.web.image"]]);
    expect(problems[0]?.message).toMatch(/^node "web": the engine at unix:\/\/\/nonexistent\/sim-test\/docker.sock could not look up image "evil image": .*unescaped characters/);
  });

  it("an engine that drops the connection during the look-up is reported as unavailable", async () => {
    const { scenario: s, nodes } = scenario("  web: {type: docker, image: nginx, protocol: none}");
    const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    const problems = await checkDockerNodes(nodes, s, engineWith("tcp://engine.example:2375", () => Promise.reject(reset)));
    expect(problems.map((p) => [p.code, p.message])).toEqual([["SIM_DOCKER_UNAVAILABLE", "the Docker engine at tcp://engine.example:2375 stopped answering: socket hang up"]]);
  });
});
