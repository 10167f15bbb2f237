import { describe, expect, it } from "vitest";
import { dockerNode } from "./__fixtures__/docker-run.js";
import { createOptions, planNode } from "./container-spec.js";

const run = { runId: "r1", scenario: "edge-demo" };

describe("planNode", () => {
  it("collects every issue of a node instead of stopping at the first", () => {
    const node = dockerNode("bad", {
      ports: ["80", "nonsense"],
      volumes: ["relative/path:/data"],
      networks: ["ok", "-bad"],
      resources: { cpus: 0, memory_mb: 2 },
      wait_for: { log: "([unclosed", port: 9090, timeout_sec: 5 },
    });
    const { plan, issues } = planNode(node, "s");
    expect(issues.map((i) => i.path.join("."))).toEqual([
      "ports.1",
      "volumes.0",
      "networks.1",
      "resources.memory_mb",
      "resources.cpus",
      "wait_for.log",
      "wait_for.port",
    ]);
    expect(issues.find((i) => i.path[0] === "wait_for" && i.path[1] === "port")?.message).toContain('add "9090" to `ports:`');
    expect(plan.ports.map((p) => p.containerPort)).toEqual([80]);
  });

  it("names the image a build produces after the scenario and the node's group", () => {
    const node = dockerNode("edge_2", { group: "Edge", image: null, build: { context: "/ctx", dockerfile: "Dockerfile", args: {} } });
    expect(planNode(node, "My Scenario").plan.image).toBe("sim-build/my-scenario-edge:latest");
  });
});

describe("createOptions", () => {
  it("describes an unprivileged, labelled container on the run's default network", () => {
    const node = dockerNode("svc", { env: { B: "2", A: "1" }, command: ["sleep", "1"] });
    const options = createOptions(node, planNode(node, run.scenario).plan, run);
    expect(options).toMatchObject({
      name: "sim-r1-svc",
      Hostname: "svc",
      Image: "sim-test/busybox:1",
      Cmd: ["sleep", "1"],
      Env: ["A=1", "B=2"],
      Labels: { "sim.run-id": "r1", "sim.scenario": "edge-demo", "sim.node": "svc" },
      OpenStdin: false,
      Tty: false,
      HostConfig: { Init: true, Privileged: false, NetworkMode: "sim-r1-default", Binds: [] },
      NetworkingConfig: { EndpointsConfig: { "sim-r1-default": { Aliases: ["svc"] } } },
    });
    expect(options.HostConfig).not.toHaveProperty("Memory");
    // The engine's copy of the output is bounded like the node's log (default 10 MiB, two files).
    expect(options.HostConfig?.LogConfig).toEqual({ Type: "json-file", Config: { "max-size": "10240k", "max-file": "2" } });
    expect(createOptions(node, planNode(node, run.scenario).plan, run, { log_bytes: 50 * 1024 * 1024 }).HostConfig?.LogConfig?.Config).toEqual({ "max-size": "51200k", "max-file": "2" });
  });

  it("opens stdin once for protocol: stdio and maps ports, volumes, resources and group aliases", () => {
    const node = dockerNode("edge_1", {
      group: "edge",
      group_index: 1,
      group_size: 2,
      protocol: "stdio",
      privileged: true,
      ports: ["8080:80", "0.0.0.0:9000:9000/udp"],
      volumes: ["/srv/in:/in:ro", "/scratch"],
      networks: ["lan", "wan"],
      resources: { cpus: 1.5, memory_mb: 128 },
    });
    const options = createOptions(node, planNode(node, run.scenario).plan, run);
    expect(options).toMatchObject({
      OpenStdin: true,
      StdinOnce: true,
      AttachStdin: true,
      ExposedPorts: { "80/tcp": {}, "9000/udp": {} },
      Volumes: { "/scratch": {} },
      HostConfig: {
        Privileged: true,
        Binds: ["/srv/in:/in:ro"],
        PortBindings: { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "8080" }], "9000/udp": [{ HostIp: "0.0.0.0", HostPort: "9000" }] },
        NanoCpus: 1_500_000_000,
        Memory: 128 * 1024 * 1024,
        MemorySwap: 128 * 1024 * 1024,
        NetworkMode: "sim-r1-lan",
      },
      NetworkingConfig: { EndpointsConfig: { "sim-r1-lan": { Aliases: ["edge_1", "edge"] } } },
    });
  });
});
