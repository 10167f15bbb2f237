import { describe, expect, it } from "vitest";
import { parseEngineAddress } from "./engine-address.js";
import { DockerConfigError } from "./errors.js";

describe("parseEngineAddress (the launcher's and the reaper's one parser)", () => {
  it("reads unix sockets, tcp/http/https with Docker's port convention, and ssh", () => {
    expect(parseEngineAddress("unix:///var/run/docker.sock")).toEqual({ kind: "unix", socketPath: "/var/run/docker.sock" });
    expect(parseEngineAddress("tcp://engine.lab")).toEqual({ kind: "tcp", host: "engine.lab", port: 2375, tls: false });
    expect(parseEngineAddress("tcp://engine.lab:2376")).toEqual({ kind: "tcp", host: "engine.lab", port: 2376, tls: true });
    expect(parseEngineAddress("tcp://engine.lab", "/certs")).toEqual({ kind: "tcp", host: "engine.lab", port: 2376, tls: true });
    expect(parseEngineAddress("https://engine.lab")).toEqual({ kind: "tcp", host: "engine.lab", port: 2376, tls: true });
    expect(parseEngineAddress("http://10.0.0.5:4243/")).toEqual({ kind: "tcp", host: "10.0.0.5", port: 4243, tls: false });
    expect(parseEngineAddress("ssh://alice@engine.lab:2222")).toEqual({ kind: "ssh", host: "engine.lab", port: 2222, username: "alice" });
  });

  it("gives IPv6 hosts without their URL brackets", () => {
    expect(parseEngineAddress("tcp://[::1]:2375")).toEqual({ kind: "tcp", host: "::1", port: 2375, tls: false });
  });

  it("refuses relative sockets, non-URLs and other schemes, naming the address", () => {
    expect(() => parseEngineAddress("unix://docker.sock")).toThrow(DockerConfigError);
    expect(() => parseEngineAddress("engine.lab:2375")).toThrow(/docker_host "engine.lab:2375": unsupported scheme "engine.lab:"/);
    expect(() => parseEngineAddress("not a url")).toThrow(/docker_host "not a url" is not a URL/);
    expect(() => parseEngineAddress("npipe:////./pipe/docker_engine")).toThrow(/unsupported scheme "npipe:"/);
  });
});
