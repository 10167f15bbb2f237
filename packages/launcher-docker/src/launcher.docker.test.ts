import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect } from "vitest";
import {
  assertRunClean,
  BUSYBOX,
  checkNothingLeftAfterSuite,
  dockerAvailable,
  dockerNode,
  dockerTest as it,
  ensureTestImage,
  scenarioOf,
} from "./__fixtures__/docker-run.js";
import { isNotFound } from "./engine.js";
import { ContainerStartError, DockerImageMissingError } from "./errors.js";
import { containerName, networkName } from "./names.js";

const available = await dockerAvailable();

/** A busybox command that stays up until `docker stop` (docker-init forwards the SIGTERM). */
const SLEEP = ["sleep", "3600"];

describe.runIf(available)("dockerLauncher", () => {
  beforeAll(async () => {
    await ensureTestImage("busybox");
  });
  checkNothingLeftAfterSuite();

  it("creates and starts a labelled, unprivileged container with env and resources, and removes it on stop", async ({ run }) => {
    const node = dockerNode("svc", {
      command: ["sh", "-c", 'echo "greeting=$GREETING"; exec sleep 3600'],
      env: { GREETING: "hello from sim" },
      resources: { cpus: 0.5, memory_mb: 64 },
      wait_for: { log: "^greeting=", port: null, timeout_sec: 20 },
    });
    const ctx = run.context([node]);
    await run.launcher.prepare([node], ctx);
    const started = await run.launcher.launch(node, ctx);
    expect(started.id).toBe("svc");
    expect(started.external).toBeNull();
    expect(started.containerName).toBe(containerName(run.runId, "svc"));

    const info = await run.docker.getContainer(started.containerId).inspect();
    expect(info.State.Running).toBe(true);
    expect(info.Config.Labels).toMatchObject({ "sim.run-id": run.runId, "sim.scenario": "docker-test", "sim.node": "svc" });
    expect(info.HostConfig.Privileged).toBe(false);
    expect(info.HostConfig.NanoCpus).toBe(500_000_000);
    expect(info.HostConfig.Memory).toBe(64 * 1024 * 1024);
    expect(info.Config.Env).toContain("GREETING=hello from sim");
    expect([...run.resources.containers.values()]).toEqual([{ node: "svc", dockerHost: null }]);

    await started.stop();
    const gone = await run.docker.getContainer(started.containerId).inspect().catch((e: unknown) => e);
    expect(isNotFound(gone)).toBe(true);
    expect(run.resources.containers.size).toBe(0);
    const log = await run.logOf("svc");
    expect(log).toContain("greeting=hello from sim");
    expect(log).toMatch(/\[sim\] container exited with code \d+/);

    await run.launcher.cleanup(ctx);
    expect(run.resources.networks.size).toBe(0);
  });

  it("publishes ports on 127.0.0.1, reachable from the host, and mounts volumes read-only", async ({ run }) => {
    const www = await mkdtemp(join(tmpdir(), "sim-www-"));
    try {
      await writeFile(join(www, "index.html"), "served from a sim container\n");
      const node = dockerNode("web", {
        command: ["httpd", "-f", "-v", "-p", "8080", "-h", "/www"],
        ports: ["8080"],
        volumes: [`${www}:/www:ro`],
        wait_for: { log: null, port: 8080, timeout_sec: 20 },
      });
      const ctx = run.context([node]);
      await using web = await run.launcher.launch(node, ctx);
      const published = web.publishedPort(8080);
      expect(published?.host).toBe("127.0.0.1");
      const info = await run.docker.getContainer(web.containerId).inspect();
      expect(info.HostConfig.PortBindings?.["8080/tcp"]).toEqual([{ HostIp: "127.0.0.1", HostPort: "" }]);
      expect(info.NetworkSettings.Ports["8080/tcp"]?.[0]?.HostIp).toBe("127.0.0.1");

      const response = await fetch(`http://127.0.0.1:${published?.port}/index.html`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe("served from a sim container\n");

      const mount = info.Mounts.find((m) => m.Destination === "/www");
      expect(mount?.RW).toBe(false);
      await web.stop();
      await run.launcher.cleanup(ctx);
    } finally {
      await rm(www, { recursive: true, force: true });
    }
  });

  it("mounts a writable volume and keeps the container's output in <node>.log", async ({ run }) => {
    const data = await mkdtemp(join(tmpdir(), "sim-data-"));
    try {
      const node = dockerNode("writer", {
        command: ["sh", "-c", "echo written-inside > /data/out.txt && echo wrote-it && echo to-stderr >&2 && exec sleep 3600"],
        volumes: [`${data}:/data`],
        wait_for: { log: "wrote-it", port: null, timeout_sec: 20 },
      });
      const ctx = run.context([node]);
      const writer = await run.launcher.launch(node, ctx);
      expect(await readFile(join(data, "out.txt"), "utf8")).toBe("written-inside\n");
      await writer.stop();
      await run.launcher.cleanup(ctx);
      const log = await run.logOf("writer");
      expect(log).toContain("wrote-it\n");
      expect(log).toContain("to-stderr\n");
    } finally {
      await rm(data, { recursive: true, force: true });
    }
  });

  it("puts containers on per-run networks where they reach each other by node id", async ({ run }) => {
    const server = dockerNode("server", {
      command: ["sh", "-c", "mkdir -p /www && echo pong-from-server > /www/ping && exec httpd -f -p 8000 -h /www"],
      networks: ["backend"],
    });
    const client = dockerNode("client", {
      command: ["sh", "-c", "until wget -q -O - http://server:8000/ping; do sleep 0.2; done; exec sleep 3600"],
      networks: ["backend"],
      wait_for: { log: "pong-from-server", port: null, timeout_sec: 30 },
    });
    const loner = dockerNode("loner", { command: SLEEP });
    const ctx = run.context([server, client, loner]);
    await run.launcher.prepare([server, client, loner], ctx);

    const backend = await run.docker.getNetwork(networkName(run.runId, "backend")).inspect();
    expect(backend.Labels).toMatchObject({ "sim.run-id": run.runId, "sim.scenario": "docker-test", "sim.node": "client,server", "sim.network": "backend" });
    // Nodes without `networks:` share the run's default network.
    const fallback = await run.docker.getNetwork(networkName(run.runId, "default")).inspect();
    expect(fallback.Labels?.["sim.node"]).toBe("loner");

    const started = await Promise.all([server, client, loner].map((n) => run.launcher.launch(n, ctx)));
    const clientLog = await run.docker.getContainer(started[1]?.containerId ?? "").inspect();
    expect(Object.keys(clientLog.NetworkSettings.Networks)).toEqual([networkName(run.runId, "backend")]);

    await Promise.all(started.map((s) => s.stop()));
    await run.launcher.cleanup(ctx);
    expect(await run.leftovers()).toEqual({ containers: [], networks: [] });
    expect(run.resources.networks.size).toBe(0);
    expect(await run.logOf("client")).toContain("pong-from-server");
  });

  it("fails a wait_for that never matches, naming the node and quoting its log, and removes the container", async ({ run }) => {
    const node = dockerNode("mute", {
      command: ["sh", "-c", "echo still-booting; exec sleep 3600"],
      wait_for: { log: "never printed", port: null, timeout_sec: 1 },
    });
    const ctx = run.context([node]);
    const error = await run.launcher.launch(node, ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContainerStartError);
    expect((error as ContainerStartError).code).toBe("SIM_DOCKER_START_FAILED");
    expect((error as Error).message).toMatch(/node "mute": the container did not log a line matching \/never printed\/ within 1 s/);
    expect((error as ContainerStartError).logTail).toContain("still-booting");
    expect(run.resources.containers.size).toBe(0);
    expect(await run.logOf("mute")).toContain("still-booting");
    await run.launcher.cleanup(ctx);
  });

  it("fails when the container exits before it is ready, with its exit code", async ({ run }) => {
    const node = dockerNode("quitter", {
      command: ["sh", "-c", "echo giving-up >&2; exit 7"],
      wait_for: { log: null, port: 9000, timeout_sec: 20 },
      ports: ["9000"],
    });
    const ctx = run.context([node]);
    const error = await run.launcher.launch(node, ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContainerStartError);
    expect((error as Error).message).toContain('node "quitter": the container exited with code 7 before it did answer on port 9000');
    expect((error as ContainerStartError).logTail).toContain("giving-up");
    await run.launcher.cleanup(ctx);
  });

  it("reports a missing image in check() and launch(), and starts nothing", async ({ run }) => {
    const node = dockerNode("ghost", { image: "sim-test/does-not-exist:1" });
    const scenario = scenarioOf([node]);
    const problems = await run.launcher.check([node], scenario);
    expect(problems).toEqual([
      expect.objectContaining({ severity: "error", code: "SIM_DOCKER_IMAGE_MISSING", path: ["nodes", "ghost", "image"] }),
    ]);
    expect(problems[0]?.message).toContain('image "sim-test/does-not-exist:1" does not exist');

    const ctx = run.context([node]);
    await expect(run.launcher.prepare([node], ctx)).rejects.toBeInstanceOf(DockerImageMissingError);
    await expect(run.launcher.launch(node, ctx)).rejects.toThrow(/sim never pulls images/);
    expect(run.resources.containers.size).toBe(0);
    await run.launcher.cleanup(ctx);
  });

  it("check() names an unreachable engine and finds no problem in a good node", async ({ run }) => {
    const good = dockerNode("good", { ports: ["8080:80"], wait_for: { log: "x", port: 80, timeout_sec: 5 } });
    const remote = dockerNode("remote", { docker_host: "unix:///nonexistent/docker.sock" });
    const problems = await run.launcher.check([good, remote], scenarioOf([good, remote]));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ severity: "error", code: "SIM_DOCKER_UNAVAILABLE", path: ["nodes", "remote", "docker_host"] });
    expect(problems[0]?.message).toContain("unix:///nonexistent/docker.sock");
  });

  it("stops idempotently: twice in parallel, once more, and through await using", async ({ run }) => {
    const node = dockerNode("twice", { command: SLEEP });
    const ctx = run.context([node]);
    const started = await run.launcher.launch(node, ctx);
    const [a, b] = [started.stop(), started.stop()];
    expect(a).toBe(b);
    await Promise.all([a, b]);
    await started.stop();
    await started[Symbol.asyncDispose]();
    expect(isNotFound(await run.docker.getContainer(started.containerId).inspect().catch((e: unknown) => e))).toBe(true);
    await run.launcher.cleanup(ctx);
    await run.launcher.cleanup(ctx);
  });

  it("cleans up three containers on two networks, including one never stopped", async ({ run }) => {
    const nodes = [
      dockerNode("a", { command: SLEEP, networks: ["n1"] }),
      dockerNode("b", { command: SLEEP, networks: ["n1", "n2"] }),
      dockerNode("c", { command: SLEEP, networks: ["n2"] }),
    ];
    const ctx = run.context(nodes);
    // No prepare(): the three launches race to create the shared networks, each exactly once.
    const started = await Promise.all(nodes.map((n) => run.launcher.launch(n, ctx)));
    const b = await run.docker.getContainer(started[1]?.containerId ?? "").inspect();
    expect(Object.keys(b.NetworkSettings.Networks).sort()).toEqual([networkName(run.runId, "n1"), networkName(run.runId, "n2")]);
    expect((await run.leftovers()).containers).toHaveLength(3);
    expect(run.resources.added.filter((a) => a.startsWith("network:")).sort()).toEqual([
      `network:${networkName(run.runId, "n1")}`,
      `network:${networkName(run.runId, "n2")}`,
    ]);

    // "c" is never stopped: cleanup() finds it by its label.
    await Promise.all(started.slice(0, 2).map((s) => s.stop()));
    await run.launcher.cleanup(ctx);
    expect(await run.leftovers()).toEqual({ containers: [], networks: [] });
    expect(run.resources.containers.size + run.resources.networks.size).toBe(0);
    await started[2]?.stop();
  });

  it("keeps the log of a service container that crashed mid-run and warns about it", async ({ run }) => {
    const node = dockerNode("crashy", {
      command: ["sh", "-c", "echo up; sleep 0.3; echo 'fatal: out of cheese' >&2; exit 42"],
      wait_for: { log: "^up$", port: null, timeout_sec: 20 },
    });
    const ctx = run.context([node]);
    const started = await run.launcher.launch(node, ctx);
    await expect
      .poll(() => run.logs.some((l) => l.level === "warn" && l.msg.includes("exited before the end of the run")), { timeout: 10_000 })
      .toBe(true);
    await started.stop();
    await run.launcher.cleanup(ctx);
    const log = await run.logOf("crashy");
    expect(log).toContain("fatal: out of cheese");
    expect(log).toContain("[sim] container exited on its own with code 42");
    expect(log).toContain("[sim] container exited with code 42");
  });

  it("runs a privileged container only when asked, and says so", async ({ run }) => {
    const node = dockerNode("root", { command: SLEEP, privileged: true });
    expect(run.launcher.describe(node)).toMatchObject({ privileged: true, warning: expect.stringContaining("privileged") });
    const ctx = run.context([node]);
    const outcome = await run.launcher.launch(node, ctx).catch((e: unknown) => e);
    expect(run.logs.some((l) => l.level === "warn" && l.msg.includes("privileged"))).toBe(true);
    if (outcome instanceof Error) {
      // An engine that itself runs in a restricted container cannot grant privileges
      // ("unable to apply caps"): the launch must then fail cleanly, naming the node.
      expect(outcome).toBeInstanceOf(ContainerStartError);
      expect(outcome.message).toMatch(/^node "root": starting the container failed: .*caps/);
    } else {
      await using started = outcome as Awaited<ReturnType<typeof run.launcher.launch>>;
      expect((await run.docker.getContainer(started.containerId).inspect()).HostConfig.Privileged).toBe(true);
    }
    await run.launcher.cleanup(ctx);
  });

  it("has a fixture that catches and removes a container that outlived its test", async ({ run }) => {
    const leak = await run.docker.createContainer({ Image: BUSYBOX, Cmd: SLEEP, Labels: { "sim.run-id": run.runId } });
    await expect(assertRunClean(run.docker, run.runId, run.resources)).rejects.toThrow(/left 1 container\(s\) and 0 network\(s\) behind/);
    expect(isNotFound(await leak.inspect().catch((e: unknown) => e))).toBe(true);
  });

  it("gives up a launch when the run is interrupted", async ({ run }) => {
    const node = dockerNode("slow", { command: SLEEP, wait_for: { log: "never", port: null, timeout_sec: 60 } });
    const abort = new AbortController();
    const ctx = run.context([node], { signal: abort.signal });
    const launching = run.launcher.launch(node, ctx);
    setTimeout(() => abort.abort(), 500);
    await expect(launching).rejects.toThrow(/node "slow": the launch was interrupted/);
    await run.launcher.cleanup(ctx);
  });
});
