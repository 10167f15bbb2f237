import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, onTestFinished, test } from "vitest";
import { checkScenarioFiles } from "./check-files.js";
import { formatProblem } from "./format.js";
import { parseScenario } from "./validate.js";
import type { ResolvedDockerNode } from "./types.js";

function withVolumes(volumes: string[], extra = "") {
  const text = `duration_sec: 1\nnodes:\n  edge:\n    type: docker\n    image: "busybox:1"\n    protocol: none\n${extra}    volumes: [${volumes.map((v) => JSON.stringify(v)).join(", ")}]\n`;
  return parseScenario(text, { source: "/exp/s.yaml" });
}

function volumesOf(result: ReturnType<typeof withVolumes>): string[] {
  if (!result.ok) throw new Error(result.problems.map(formatProblem).join("\n"));
  return (result.scenario.nodes[0] as ResolvedDockerNode).volumes;
}

describe("host paths of Docker volumes", () => {
  test.each([
    ["/:/host", "it is the root of the host's filesystem"],
    ["/etc:/x", "/etc is a system folder"],
    ["/etc/shadow:/shadow:ro", "/etc is a system folder"],
    ["/var/run/docker.sock:/var/run/docker.sock", "/var/run is a system folder"],
    ["/run/docker.sock:/d.sock", "/run is a system folder"],
    ["/proc:/p", "/proc is a system folder"],
    ["/root/.ssh:/k", "/root is a system folder"],
  ])("%s is refused outright, even with allow_host_paths", (volume, because) => {
    for (const extra of ["", "    allow_host_paths: true\n"]) {
      const result = withVolumes([volume], extra);
      expect(result.ok).toBe(false);
      const lines = result.ok ? [] : result.problems.map(formatProblem);
      expect(lines).toEqual([expect.stringMatching(new RegExp(`^/exp/s\\.yaml:\\d+:\\d+: error: nodes\\.edge\\.volumes\\[0\\] binds .*: refused, ${because.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}`))]);
    }
  });

  test("a path inside the scenario's folder is mounted as written", () => {
    expect(volumesOf(withVolumes(["./data:/data", "logs:/logs"]))).toEqual(["/exp/data:/data", "logs:/logs"]);
  });

  test("a path outside needs allow_host_paths, and is then read-only unless :rw", () => {
    const refused = withVolumes(["/srv/data:/data"]);
    expect(refused.ok ? [] : refused.problems.map((p) => [p.code, p.line])).toEqual([["host-path-outside", 7]]);
    expect(refused.ok ? "" : refused.problems[0]!.hint).toContain("allow_host_paths: true");
    const allowed = "    allow_host_paths: true\n";
    expect(volumesOf(withVolumes(["/srv/data:/data", "../shared:/shared:rw", "/srv/x:/x:z"], allowed))).toEqual(["/srv/data:/data:ro", "/shared:/shared:rw", "/srv/x:/x:z,ro"]);
  });

  test("a symbolic link inside the folder that leads to a system folder is refused by the file check", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sim-hostpath-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, "data"));
    symlinkSync("/etc", join(dir, "sneaky"));
    const text = `duration_sec: 1\nnodes:\n  edge:\n    type: docker\n    image: "busybox:1"\n    protocol: none\n    volumes: ["./data:/data", "./sneaky:/x"]\n`;
    writeFileSync(join(dir, "s.yaml"), text);
    const result = parseScenario(text, { source: join(dir, "s.yaml") });
    if (!result.ok) throw new Error("the lexical check cannot see through the link");
    const problems = await checkScenarioFiles(result.scenario);
    expect(problems.map((p) => [p.code, p.path.join(".")])).toEqual([["host-path-refused", "nodes.edge.volumes.1"]]);
    expect(problems[0]!.message).toContain("which leads to /etc: refused, /etc is a system folder");
  });
});
