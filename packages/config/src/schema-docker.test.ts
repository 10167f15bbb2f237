/**
 * What the schema accepts for the docker node's strings that reach the engine: image
 * references (Docker's reference grammar), network names and port mappings.
 */
import { describe, expect, it } from "vitest";
import type { Problem } from "./types.js";
import { parseScenario } from "./validate.js";

function problemsOf(node: string): string[] {
  const result = parseScenario(["duration_sec: 1", "nodes:", `  web: {type: docker, protocol: none, ${node}}`, ""].join("\n"), { source: "/exp/s.yaml" });
  return (result.ok ? result.warnings : result.problems).map((p: Problem) => `${p.code}@${p.line}:${p.column} ${p.path.join(".")}`);
}

function problemOf(node: string): Problem | undefined {
  const result = parseScenario(["duration_sec: 1", "nodes:", `  web: {type: docker, protocol: none, ${node}}`, ""].join("\n"), { source: "/exp/s.yaml" });
  return result.ok ? undefined : result.problems[0];
}

describe("docker image references", () => {
  const image = (ref: string) => `image: ${JSON.stringify(ref)}`;

  it.each([
    "nginx",
    "nginx:1.27",
    "library/nginx:latest",
    "localhost:5000/app",
    "registry.example.com:5000/team/app__x.y-z:v1.2-rc_3",
    "Registry.Example.com/app",
    "[::1]:5000/app:1",
    `ghcr.io/org/app@sha256:${"0".repeat(64)}`,
    `app:v1@sha256:${"a".repeat(64)}`,
    `app:${"t".repeat(128)}`,
  ])("accepts %s", (ref) => {
    expect(problemsOf(image(ref))).toEqual([]);
  });

  it.each([
    "../../evil:latest",
    "x/../../../containers/json",
    "Nginx",
    "nginx:",
    "nginx:-x",
    ":tag",
    "/app",
    "app/",
    "a//b",
    "a..b",
    "a___b",
    "-a",
    "my image",
    "a%2fb",
    "app@sha256:abc",
    `app:${"t".repeat(129)}`,
  ])("refuses %s at validation with a position", (ref) => {
    expect(problemsOf(image(ref))).toEqual(["bad-format@3:46 nodes.web.image"]);
    const problem = problemOf(image(ref));
    expect(problem?.message).toBe(`nodes.web.image has an invalid value ${JSON.stringify(ref.length > 60 ? `${ref.slice(0, 57)}...` : ref)}`);
    expect(problem?.hint).toMatch(/^expected a Docker image reference/);
  });

  it("refuses a megabyte-long reference without backtracking for long", () => {
    for (const ref of [`${"a-".repeat(500_000)}!`, `${"a.".repeat(500_000)}/A`, `${"a".repeat(1_000_000)}:`]) {
      expect(problemsOf(image(ref))).toEqual(["bad-format@3:46 nodes.web.image"]);
    }
  });
});


describe("docker port mappings", () => {
  it.each(["80", "8080:80", "127.0.0.1:8080:80", "0.0.0.0::80", "53:53/udp", "[::1]:8443:443", "[::]:8443:443/udp", "[2001:db8::1]:8080:80", "[::1]::9000", "[::ffff:127.0.0.1]:80:80"])(
    "accepts %s",
    (port) => {
      expect(problemsOf(`image: nginx, ports: [${JSON.stringify(port)}]`)).toEqual([]);
    },
  );

  it.each(["::1:8443:443", "[::1]:443", "[::1]8443:443", "[]:80:80", "[fe80::1%eth0]:80:80", "[127.0.0.1]:80:80", "[::1:80:80", "::1]:80:80", "localhost:80:80"])("refuses %s", (port) => {
    expect(problemsOf(`image: nginx, ports: [${JSON.stringify(port)}]`)).toEqual(["bad-format@3:61 nodes.web.ports.0"]);
  });
});

describe("docker network names", () => {
  it("accepts Docker's names and refuses others, such as a path", () => {
    expect(problemsOf("image: nginx, networks: [backend, Front.end-2_x, 9net]")).toEqual([]);
    expect(problemsOf('image: nginx, networks: ["../x", "-net", "a b", "a/b"]')).toEqual([
      "bad-format@3:64 nodes.web.networks.0",
      "bad-format@3:72 nodes.web.networks.1",
      "bad-format@3:80 nodes.web.networks.2",
      "bad-format@3:87 nodes.web.networks.3",
    ]);
  });
});
