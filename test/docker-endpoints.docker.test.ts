/** Published ports and network addresses of Docker nodes in summary.json and in `sim run`'s output. */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RunSummaryJson } from "@sim/harness";
import { describe, expect, test } from "vitest";
import { dockerEngineUp, labelled } from "./helpers/docker.js";
import { repoRoot, runSimInProcess, tempDir } from "./helpers/sim-cli.js";

const engineUp = dockerEngineUp("the Docker endpoint tests are");

describe.skipIf(!engineUp)("docker endpoints", () => {
  test("a free host port and the container's addresses are reported, by network name", { timeout: 300_000 }, async () => {
    execFileSync(join(repoRoot, "images/build.sh"), ["busybox"], { stdio: "ignore" });
    const dir = tempDir("docker-endpoints");
    const scenario = join(dir, "endpoints.yaml");
    writeFileSync(
      scenario,
      [
        "duration_sec: 1",
        "nodes:",
        "  s: {type: sensor, target: g}",
        "  g: {type: gateway}",
        "  web: {type: docker, image: 'sim-test/busybox:1', command: [httpd, -f, -p, '8080'], protocol: none, ports: ['8080', '127.0.0.1::9090/udp'], wait_for: {port: 8080, timeout_sec: 60}}",
        "  side: {type: docker, image: 'sim-test/busybox:1', command: [sleep, '600'], protocol: none, networks: [backplane]}",
      ].join("\n") + "\n",
    );
    const out = join(dir, "out");
    const result = await runSimInProcess(["run", scenario, "--out", out], { stateDir: tempDir("state") });
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as RunSummaryJson;
    expect(Object.keys(summary.docker)).toEqual(["web", "side"]);
    const web = summary.docker["web"]!;
    expect(web.container).toBe(`sim-${summary.run_id}-web`);
    expect(web.ports).toHaveLength(2);
    expect(web.ports[0]).toMatchObject({ container_port: 8080, protocol: "tcp", host: "127.0.0.1" });
    expect(web.ports[0]!.host_port).toBeGreaterThan(1024);
    expect(web.ports[1]).toMatchObject({ container_port: 9090, protocol: "udp", host: "127.0.0.1" });
    const ipv4 = /^\d{1,3}(\.\d{1,3}){3}$/;
    expect(Object.keys(web.addresses!)).toEqual(["default"]);
    expect(web.addresses!["default"]).toMatch(ipv4);
    expect(Object.keys(summary.docker["side"]!.addresses!)).toEqual(["backplane"]);
    expect(summary.docker["side"]!.ports).toEqual([]);
    expect(result.stdout).toContain(`  docker    web: 127.0.0.1:${web.ports[0]!.host_port} -> 8080/tcp; 127.0.0.1:${web.ports[1]!.host_port} -> 9090/udp; ${web.addresses!["default"]} on default\n`);
    expect(result.stdout).toContain(`  docker    side: ${summary.docker["side"]!.addresses!["backplane"]} on backplane\n`);
    expect(labelled("ps", `sim.run-id=${summary.run_id}`)).toEqual([]);
  });
});
