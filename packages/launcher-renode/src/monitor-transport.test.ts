import { mkdtemp, readFile, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { FIRMWARE, PLATFORM, processAlive, STANDIN } from "./__fixtures__/harness.js";
import { RenodeCommandError, RenodeTimeoutError } from "./errors.js";
import { MonitorTransport } from "./monitor-transport.js";
import { findFreePort, RenodeProcess } from "./renode-process.js";

const started: RenodeProcess[] = [];
const dirs: string[] = [];

async function standin(...extra: string[]) {
  const dir = await mkdtemp(join(tmpdir(), "sim-renode-transport-"));
  dirs.push(dir);
  const port = await findFreePort();
  const proc = await RenodeProcess.start({
    executable: STANDIN,
    args: ["--disable-xwt", "--plain", "--port", String(port), "--pid-file", join(dir, "pid"), "--config", join(dir, "cfg"), ...extra],
    cwd: dir,
  });
  started.push(proc);
  await proc.monitorAnnounced;
  return { proc, port, dir };
}

afterEach(async () => {
  for (const proc of started.splice(0)) {
    expect(await proc.terminate(2_000, 2_000)).toBe(true);
    expect(processAlive(proc.pid)).toBe(false);
  }
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe("MonitorTransport against the stand-in", () => {
  it("reads the banner, follows the prompt and steps virtual time exactly", async () => {
    const { port } = await standin();
    const monitor = await MonitorTransport.connect({ port, timeoutMs: 5_000 });
    expect(monitor.banner).toMatch(/^Renode, version 1\.16\.1/);
    expect(monitor.prompt).toBe("monitor");
    await monitor.execute('mach create "mcu"');
    expect(monitor.prompt).toBe("mcu");
    await monitor.execute(`machine LoadPlatformDescription @${PLATFORM}`);
    await monitor.execute(`sysbus LoadELF @${FIRMWARE}`);
    await monitor.execute("emulation SetGlobalAdvanceImmediately true");
    expect(await monitor.currentTime()).toBe(0);
    await monitor.runFor(10_000);
    await monitor.runFor(1);
    expect(await monitor.currentTime()).toBe(10_001);
    monitor.close();
  });

  it("turns Renode's error texts into RenodeCommandError", async () => {
    const { port } = await standin();
    const monitor = await MonitorTransport.connect({ port, timeoutMs: 5_000 });
    await expect(monitor.execute("frobnicate now")).rejects.toThrow(/No such command or device: frobnicate/);
    const error = await monitor.execute('emulation RunFor "0.1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RenodeCommandError);
    expect((error as RenodeCommandError).output[0]).toBe("Could not tokenize here:");
    await monitor.execute("start");
    await expect(monitor.runFor(10_000)).rejects.toThrow(/not available when emulation is already started/);
    // The session stays usable after a failed command.
    expect(await monitor.currentTime()).toBe(0);
    monitor.close();
  });

  it("copes with fragmented packets, escape noise and a swallowed first character", async () => {
    const { port } = await standin("--standin-fragment", "--standin-escape-noise", "--standin-eat-first-char");
    const monitor = await MonitorTransport.connect({ port, timeoutMs: 5_000 });
    await monitor.execute('mach create "noisy"');
    expect(monitor.prompt).toBe("noisy");
    await monitor.execute("emulation SetGlobalAdvanceImmediately true");
    await monitor.runFor(250_000);
    expect(await monitor.currentTime()).toBe(250_000);
    monitor.close();
  });

  it("shows why the launcher never writes a unit: Renode reads \"10ms\" as 10 seconds", async () => {
    const { port } = await standin();
    const monitor = await MonitorTransport.connect({ port, timeoutMs: 5_000 });
    await monitor.execute("emulation SetGlobalAdvanceImmediately true");
    await monitor.execute('emulation RunFor "10ms"');
    expect(await monitor.currentTime()).toBe(10_000_000);
    monitor.close();
  });

  it("serves one client at a time", async () => {
    const { port } = await standin();
    const first = await MonitorTransport.connect({ port, timeoutMs: 5_000 });
    await expect(MonitorTransport.connect({ port, timeoutMs: 300 })).rejects.toBeInstanceOf(RenodeTimeoutError);
    first.close();
    const second = await MonitorTransport.connect({ port, timeoutMs: 5_000 });
    expect(await second.currentTime()).toBe(0);
    second.close();
  });

  it("times out a command that never returns and refuses further commands", async () => {
    const { port } = await standin("--standin-hang-at-us", "5000");
    const monitor = await MonitorTransport.connect({ port, timeoutMs: 5_000 });
    await monitor.execute("emulation SetGlobalAdvanceImmediately true");
    await expect(monitor.runFor(10_000, { timeoutMs: 300 })).rejects.toBeInstanceOf(RenodeTimeoutError);
    expect(monitor.usable).toBe(false);
    await expect(monitor.currentTime()).rejects.toBeInstanceOf(RenodeTimeoutError);
    monitor.close();
  });

  it("has every UART byte in the file backend when RunFor returns, while the socket terminal lags", async () => {
    const { port, dir } = await standin("--standin-socket-delay-ms", "200");
    const monitor = await MonitorTransport.connect({ port, timeoutMs: 5_000 });
    await monitor.execute('mach create "mcu"');
    await monitor.execute(`machine LoadPlatformDescription @${PLATFORM}`);
    await monitor.execute(`sysbus LoadELF @${FIRMWARE}`);
    await monitor.execute("emulation SetGlobalAdvanceImmediately true");
    const termPort = await findFreePort();
    await monitor.execute(`emulation CreateServerSocketTerminal ${termPort} "term" false`);
    await monitor.execute("connector Connect sysbus.usart1 term");
    await monitor.execute(`sysbus.usart1 CreateFileBackend @${join(dir, "uart.log")} true`);
    const received: Buffer[] = [];
    const socket = connect({ host: "127.0.0.1", port: termPort });
    socket.on("data", (chunk: Buffer) => received.push(chunk));
    await new Promise((resolve) => socket.once("connect", resolve));

    await monitor.runFor(200_020);
    const inFile = await readFile(join(dir, "uart.log"), "utf8");
    expect(inFile).toBe('{"seq":1,"t_ms":100,"readings":{"temperature":21.57}}\r\n{"seq":2,"t_ms":200,"readings":{"temperature":21.64}}\r\n');
    expect(Buffer.concat(received).length).toBe(0);
    await sleep(600);
    expect(Buffer.concat(received).toString()).toBe(inFile);
    socket.destroy();
    monitor.close();
  });
});
