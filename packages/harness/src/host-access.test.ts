import { parseScenario } from "@sim/config";
import { describe, expect, test } from "vitest";
import { hostAccessLines } from "./cli/report-text.js";
import { hostAccessOf } from "./host-access.js";

function scenario(text: string) {
  const result = parseScenario(text, { source: "/exp/s.yaml" });
  if (!result.ok) throw new Error(result.problems.map((p) => p.message).join("\n"));
  return result.scenario;
}

describe("what a scenario opens of this machine", () => {
  test("host paths (with their mode) and ports published beyond loopback are listed; loopback ports and named volumes are not", () => {
    const s = scenario(`duration_sec: 1
nodes:
  web:
    type: docker
    image: "busybox:1"
    protocol: none
    allow_host_paths: true
    volumes: ["./site:/www", "/srv/data:/data", "cache:/cache"]
    ports: ["8080:80", "0.0.0.0:9090:90", "[::]:9443:443", "127.0.0.1:7070:70", "[::1]:8443:443", "99"]
`);
    expect(hostAccessOf(s)).toEqual([
      { node: "web", kind: "host path", what: "/exp/site -> /www (read-write)" },
      { node: "web", kind: "host path", what: "/srv/data -> /data (read-only)" },
      { node: "web", kind: "published port", what: "0.0.0.0:9090:90 (reachable from other machines on 0.0.0.0)" },
      { node: "web", kind: "published port", what: "[::]:9443:443 (reachable from other machines on ::)" },
    ]);
    expect(hostAccessLines(hostAccessOf(s))[0]).toBe("  host access:");
    expect(hostAccessLines(hostAccessOf(s))[2]).toBe("    host path of web: /srv/data -> /data (read-only)");
  });

  test("a scenario with no containers opens nothing, and says nothing about it", () => {
    const s = scenario("duration_sec: 1\nnodes:\n  s: {type: sensor, target: g}\n  g: {type: gateway}\n");
    expect(hostAccessOf(s)).toEqual([]);
    expect(hostAccessLines([])).toEqual([]);
  });
});
