import { describe, expect, it } from "vitest";
import { DockerConfigError } from "./errors.js";
import { parsePort, portBindings } from "./ports.js";

describe("parsePort", () => {
  it("binds to loopback unless an address is written", () => {
    expect(parsePort("8080:80")).toEqual({ spec: "8080:80", hostIp: "127.0.0.1", hostPort: 8080, containerPort: 80, protocol: "tcp" });
    expect(parsePort("80")).toMatchObject({ hostIp: "127.0.0.1", hostPort: null, containerPort: 80 });
  });

  it("keeps an explicit address, an empty host port and the protocol", () => {
    expect(parsePort("0.0.0.0:53:53/udp")).toMatchObject({ hostIp: "0.0.0.0", hostPort: 53, containerPort: 53, protocol: "udp" });
    expect(parsePort("127.0.0.1::9000")).toMatchObject({ hostIp: "127.0.0.1", hostPort: null, containerPort: 9000 });
    expect(parsePort("[::1]:8443:443")).toMatchObject({ hostIp: "::1", hostPort: 8443, containerPort: 443 });
  });

  it("rejects what it does not understand, naming the spec", () => {
    expect(() => parsePort("8080-8090:80")).toThrow(DockerConfigError);
    expect(() => parsePort("70000:80")).toThrow(/70000 is not a port number/);
    expect(() => parsePort("http")).toThrow(/port "http"/);
  });
});

describe("portBindings", () => {
  it("groups bindings by container port and protocol", () => {
    const { exposed, bindings } = portBindings([parsePort("8080:80"), parsePort("0.0.0.0:8081:80"), parsePort("53/udp")]);
    expect(exposed).toEqual({ "80/tcp": {}, "53/udp": {} });
    expect(bindings).toEqual({
      "80/tcp": [
        { HostIp: "127.0.0.1", HostPort: "8080" },
        { HostIp: "0.0.0.0", HostPort: "8081" },
      ],
      "53/udp": [{ HostIp: "127.0.0.1", HostPort: "" }],
    });
  });
});
