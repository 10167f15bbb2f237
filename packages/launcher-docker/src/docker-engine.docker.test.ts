// Proves that the Docker engine the suites use is really there and reachable from
// the test process: a ping and the engine's version, through the launcher's own
// client code.
import { describe, expect, it } from "vitest";
import { dockerAvailable } from "./__fixtures__/docker-run.js";
import { DEFAULT_DOCKER_HOST, Engines, pingEngine } from "./engine.js";
import { DockerUnavailableError } from "./errors.js";

const available = await dockerAvailable();

describe.runIf(available)("the Docker engine", () => {
  it("answers a ping and reports its version", async () => {
    const engine = new Engines().get(null);
    expect(engine.address).toBe(DEFAULT_DOCKER_HOST);
    await pingEngine(engine);
    const version = await engine.docker.version();
    expect(version.ApiVersion).toMatch(/^1\.\d+$/);
    expect(Number(version.ApiVersion.split(".")[1])).toBeGreaterThanOrEqual(41);
    expect(version.Os).toBe("linux");
    console.info(`Docker engine ${version.Version} (API ${version.ApiVersion}, ${version.Os}/${version.Arch}) at ${engine.address}`);
  });

  it("reports an unreachable engine as SIM_DOCKER_UNAVAILABLE naming its address", async () => {
    const engine = new Engines({ defaultHost: "unix:///nonexistent/docker.sock" }).get(null);
    const error = await pingEngine(engine).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DockerUnavailableError);
    expect((error as DockerUnavailableError).code).toBe("SIM_DOCKER_UNAVAILABLE");
    expect((error as Error).message).toContain("unix:///nonexistent/docker.sock");
  });
});
