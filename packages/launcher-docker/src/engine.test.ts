import { describe, expect, it } from "vitest";
import { DEFAULT_DOCKER_HOST, dockerOptionsFor, Engines, publishedHostFor } from "./engine.js";
import { DockerConfigError } from "./errors.js";

describe("dockerOptionsFor", () => {
  it("sets every connection key explicitly, so $DOCKER_HOST never decides", () => {
    expect(dockerOptionsFor("unix:///var/run/docker.sock")).toEqual({
      socketPath: "/var/run/docker.sock",
      host: undefined,
      port: undefined,
      protocol: undefined,
    });
  });

  it("uses TLS on 2376 and https, plain HTTP on 2375, and keeps ssh users", () => {
    expect(dockerOptionsFor("tcp://10.0.0.5:2376")).toMatchObject({ host: "10.0.0.5", port: 2376, protocol: "https", socketPath: undefined });
    expect(dockerOptionsFor("tcp://engine.lab:2375")).toMatchObject({ host: "engine.lab", port: 2375, protocol: "http" });
    expect(dockerOptionsFor("tcp://engine.lab")).toMatchObject({ port: 2375, protocol: "http" });
    expect(dockerOptionsFor("https://engine.lab")).toMatchObject({ port: 2376, protocol: "https" });
    expect(dockerOptionsFor("ssh://alice@engine.lab")).toMatchObject({ protocol: "ssh", host: "engine.lab", port: 22, username: "alice" });
  });

  it("rejects what it cannot use, saying what would work", () => {
    expect(() => dockerOptionsFor("unix://relative.sock")).toThrow(DockerConfigError);
    expect(() => dockerOptionsFor("npipe:////./pipe/docker_engine")).toThrow(/unsupported scheme "npipe:"/);
    expect(() => dockerOptionsFor("not a url")).toThrow(/is not a URL/);
  });
});

describe("Engines", () => {
  it("keeps one client per address and records the default engine as null", () => {
    const engines = new Engines();
    expect(engines.get(null)).toBe(engines.get(DEFAULT_DOCKER_HOST));
    expect(engines.get(null).registryHost).toBeNull();
    const remote = engines.get("tcp://10.0.0.5:2375");
    expect(remote).not.toBe(engines.get(null));
    expect(remote.registryHost).toBe("tcp://10.0.0.5:2375");
    expect(remote.publishedHost).toBe("10.0.0.5");
  });

  it("takes another default engine from its options", () => {
    expect(new Engines({ defaultHost: "tcp://lab:2375" }).get(null).address).toBe("tcp://lab:2375");
  });
});

describe("publishedHostFor", () => {
  it("reaches ports of a local engine on loopback and of a remote one on its host", () => {
    expect(publishedHostFor("unix:///var/run/docker.sock")).toBe("127.0.0.1");
    expect(publishedHostFor("tcp://localhost:2375")).toBe("127.0.0.1");
    expect(publishedHostFor("tcp://[fd00::5]:2376")).toBe("fd00::5");
  });
});
