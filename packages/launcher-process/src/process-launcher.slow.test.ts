import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ProtocolError } from "@sim/protocol";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { EXAMPLES_PY, EXAMPLES_TS, launchContext, MemoryResources, processNode, RecordingLogger, tsNodeCommand } from "./__fixtures__/context.js";
import { driveLockstep } from "./__fixtures__/drive-lockstep.js";
import { ProcessStartError } from "./errors.js";
import { createProcessLauncher, processLauncher, type StartedProcess } from "./process-launcher.js";
import { isProcessGroupAlive, signalProcessGroup } from "@sim/process-tree";

const MISBEHAVE = fileURLToPath(new URL("./__fixtures__/misbehave.mjs", import.meta.url));
const misbehaving = (id: string, mode: string) => processNode(id, [process.execPath, MISBEHAVE, mode], tmpdir());

// Every process group a test started must be gone when it ends.
const started: number[] = [];
function track(resources: MemoryResources): MemoryResources {
  const add = resources.addProcess.bind(resources);
  resources.addProcess = (e) => {
    started.push(e.pgid);
    add(e);
  };
  return resources;
}
afterEach(() => {
  const alive = started.splice(0).filter((pgid) => isProcessGroupAlive(pgid));
  for (const pgid of alive) signalProcessGroup(pgid, "SIGKILL");
  expect(alive, "process groups left running by the test").toEqual([]);
});

async function launch(node: ReturnType<typeof processNode>, ctx = launchContext({ resources: track(new MemoryResources()) })): Promise<StartedProcess> {
  return (await processLauncher.launch(node, ctx)) as StartedProcess;
}

describe("process launcher with real nodes", () => {
  it("runs a TypeScript SDK node and the Python reference node through init, advance and shutdown", async () => {
    const logDir = mkdtempSync(join(tmpdir(), "sim-logs-"));
    onTestFinished(() => rmSync(logDir, { recursive: true, force: true }));
    const resources = track(new MemoryResources());
    const logger = new RecordingLogger();
    const ctx = launchContext({ resources, logDir, logger });
    const ts = await launch(processNode("ts", tsNodeCommand("ring.ts"), EXAMPLES_TS, { next: "py" }), ctx);
    const py = await launch(processNode("py", ["python3", "echo_node.py"], EXAMPLES_PY, { processing_us: 1500 }), ctx);
    expect([...resources.processes.keys()].sort()).toEqual([ts.pid, py.pid].sort());
    expect(isProcessGroupAlive(ts.pid)).toBe(true);

    const { sent } = await driveLockstep([ts.external, py.external], { quantumUs: 10_000, durationUs: 50_000, latencyUs: 2_000 });
    expect(sent.filter((m) => m.from === "ts").map((m) => [m.atUs, m.to, m.payload])).toEqual(
      [0, 1, 2, 3, 4].map((n) => [n * 10_000, "py", { n, from: "ts" }]),
    );
    // Each message arrives at the next barrier (the 2 ms latency ends inside a quantum
    // already run), and Python answers 1.5 ms of virtual time later.
    expect(sent.filter((m) => m.from === "py").map((m) => m.atUs)).toEqual([11_500, 21_500, 31_500, 41_500]);

    await Promise.all([ts.stop(), py.stop()]);
    await ts.stop(); // idempotent
    expect(ts.stopResult).toEqual({ signal: "none", gone: true });
    expect(py.stopResult).toEqual({ signal: "none", gone: true });
    expect(resources.processes.size).toBe(0);
    expect(readFileSync(join(logDir, "py.log"), "utf8")).toContain("py: received 4");
    expect(readFileSync(join(logDir, "ts.log"), "utf8")).toContain("[info] sent 5, received 3");
    expect(logger.records).toContainEqual(expect.objectContaining({ level: "info", msg: "py: received 4", bindings: expect.objectContaining({ node: "py" }) }));
  });

  it("gives identical outbound messages across 10 runs although the nodes sleep random wall-clock times", async () => {
    const runs: string[] = [];
    for (let run = 0; run < 10; run++) {
      const ctx = launchContext({ resources: track(new MemoryResources()) });
      const nodes = await Promise.all([
        launch(processNode("A", tsNodeCommand("ring.ts"), EXAMPLES_TS, { next: "B", wall_jitter_ms: 3 }), ctx),
        launch(processNode("B", tsNodeCommand("ring.ts"), EXAMPLES_TS, { next: "P", reply: true, wall_jitter_ms: 3 }), ctx),
        launch(processNode("P", ["python3", "echo_node.py"], EXAMPLES_PY, { processing_us: 1500, wall_jitter_ms: 3 }), ctx),
      ]);
      try {
        // Started in a different order each run: the result must not care.
        const order = run % 2 === 0 ? nodes : [...nodes].reverse();
        const { sent } = await driveLockstep(order.map((n) => n.external), { quantumUs: 5_000, durationUs: 60_000, latencyUs: 2_000 });
        runs.push(JSON.stringify(sent));
      } finally {
        await Promise.all(nodes.map((n) => n.stop()));
      }
    }
    expect(JSON.parse(runs[0]!).length).toBeGreaterThan(40);
    expect(new Set(runs).size).toBe(1);
  });
});

describe("failing nodes", () => {
  const cases: [string, string, RegExp, string | null][] = [
    ["exits", "exit", /exited with code 3[\s\S]*fatal: sensor calibration file missing/, null],
    ["closes stdout", "close-stdout", /closed its stdout/, null],
    ["writes an invalid line", "invalid", /not a valid protocol message: not valid JSON/, "temperature=21.5"],
    ["sends outside its quantum", "send-outside", /sent at 15000 µs, outside the quantum being run \[0, 10000\)/, `{"type":"send","at_us":15000,"to":"g","payload":{"late":true}}`],
    ["misses quantum_wall_sec", "hang", /did not answer "advance" to 10000 µs with "done" within 1 s \(timeouts.quantum_wall_sec\)/, null],
    ["writes a 1 GiB line", "huge", /wrote a line longer than 1048576 characters/, null],
  ];
  it.each(cases)("a node that %s fails with an error naming it, and leaves no process", async (_name, mode, reason, line) => {
    const ctx = launchContext({ resources: track(new MemoryResources()), timeouts: { quantum_wall_sec: 1 } });
    const node = await launch(misbehaving("bad_node", mode), ctx);
    await node.external.start({ seed: 1, timeQuantumUs: 10_000 });
    const err = await node.external.advance(10_000, []).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProtocolError);
    const pe = err as ProtocolError;
    expect(pe.node).toBe("bad_node");
    expect(pe.code).toBe("SIM_NODE_FAILED");
    expect(pe.message).toContain('node "bad_node" failed');
    expect(pe.message).toMatch(reason);
    if (line !== null) {
      expect(pe.line).toBe(line);
      expect(pe.message).toContain(line);
    }
    if (mode === "huge") expect(pe.line!.startsWith("x".repeat(200))).toBe(true);
    await node.stop();
    expect(isProcessGroupAlive(node.pid)).toBe(false);
    expect(ctx.resources.processes.size).toBe(0);
  });

  it("refuses a node that speaks another protocol version", async () => {
    const node = await launch(misbehaving("v2", "version"));
    const err = await node.external.start({ seed: 1, timeQuantumUs: 10_000 }).catch((e: unknown) => e);
    expect((err as ProtocolError).kind).toBe("version-mismatch");
    await node.stop();
  });

  it("a node that ignores shutdown and SIGTERM is killed, with SIGKILL", async () => {
    const ctx = launchContext({ resources: track(new MemoryResources()), timeouts: { shutdown_grace_sec: 0.2 } });
    const node = await launch(misbehaving("stubborn", "ignore-term"), ctx);
    await node.external.start({ seed: 1, timeQuantumUs: 10_000 });
    await node.stop();
    expect(node.stopResult).toEqual({ signal: "SIGKILL", gone: true });
    expect(isProcessGroupAlive(node.pid)).toBe(false);
  });

  it("stop also ends what the node started in its process group", async () => {
    const node = await launch(misbehaving("parent", "grandchild"));
    await node.external.start({ seed: 1, timeQuantumUs: 10_000 });
    await node.stop();
    // The node exited politely, its child (sleep 1000) needed a signal.
    expect(node.stopResult).toEqual({ signal: "SIGTERM", gone: true });
    expect(isProcessGroupAlive(node.pid)).toBe(false);
  });

  it("await using stops the node", async () => {
    let pid = 0;
    {
      await using node = await launch(misbehaving("scoped", "ok"));
      pid = node.pid;
      await node.external.start({ seed: 1, timeQuantumUs: 10_000 });
    }
    expect(isProcessGroupAlive(pid)).toBe(false);
  });
});

describe("a node that exits at start-up", () => {
  // Each breaks the pipe to its stdin before, or while, init is written: the error must
  // be its exit code and stderr, never "EPIPE", whichever the harness notices first.
  const cases: [string, string[]][] = [
    ["python3 exits at once", ["python3", "-c", "import sys; sys.stderr.write('fatal: no calibration file\\n'); sys.exit(3)"]],
    ["sh exits at once", ["sh", "-c", "echo 'fatal: no calibration file' >&2; exit 3"]],
    // Closes its stdin first: init's write fails with EPIPE 300 ms before the exit.
    ["closes stdin, then exits", ["sh", "-c", "exec 0<&-; echo 'fatal: no calibration file' >&2; sleep 0.3; exit 3"]],
  ];
  it.each(cases)("%s: exited with code 3 and its stderr, whether start() comes before or after the exit", async (_name, command) => {
    for (const startAfterMs of [0, 0, 400]) {
      const ctx = launchContext({ resources: track(new MemoryResources()) });
      const node = await launch(processNode("early", command, tmpdir()), ctx);
      if (startAfterMs > 0) await new Promise((r) => setTimeout(r, startAfterMs));
      const err = await node.external.start({ seed: 1, timeQuantumUs: 10_000 }).then(
        () => null,
        (e: unknown) => e,
      );
      await node.stop();
      expect(err).toBeInstanceOf(ProtocolError);
      const pe = err as ProtocolError;
      expect(pe.kind, pe.message).toBe("exited");
      expect(pe.message).toMatch(/^node "early" failed: exited with code 3\n {2}recent output:\n {4}fatal: no calibration file$/);
      expect(pe.message).not.toMatch(/EPIPE|already started/);
      expect(isProcessGroupAlive(node.pid)).toBe(false);
    }
  });

  it("the bare python3 -c 'sys.exit(3)' of the issue is reported as exited with code 3", async () => {
    const node = await launch(processNode("bare", ["python3", "-c", "import sys; sys.exit(3)"], tmpdir()));
    const err = (await node.external.start({ seed: 1, timeQuantumUs: 10_000 }).catch((e: unknown) => e)) as ProtocolError;
    await node.stop();
    expect([err.kind, err.message]).toEqual(["exited", 'node "bare" failed: exited with code 3']);
  });
});

describe("limits per node", () => {
  it("fails a node that sends 1,000,000 messages in one quantum at sends_per_quantum + 1, naming it and the limit", async () => {
    const ctx = launchContext({ resources: track(new MemoryResources()), timeouts: { shutdown_grace_sec: 0.5 }, limits: { sends_per_quantum: 1000 } });
    const node = await launch(misbehaving("flooder", "flood"), ctx);
    await node.external.start({ seed: 1, timeQuantumUs: 10_000 });
    const err = (await node.external.advance(10_000, []).catch((e: unknown) => e)) as ProtocolError;
    await node.stop();
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.kind).toBe("too-many-sends");
    expect(err.code).toBe("SIM_NODE_FAILED");
    expect(err.message).toContain('node "flooder" failed: sent more than 1000 messages in the quantum [0, 10000] µs (limits.sends_per_quantum)');
    expect(isProcessGroupAlive(node.pid)).toBe(false);
  });

  it("truncates <node>.log at log_bytes with a note, keeps the node running, and keeps the stderr tail for errors", async () => {
    const logDir = mkdtempSync(join(tmpdir(), "sim-logs-"));
    onTestFinished(() => rmSync(logDir, { recursive: true, force: true }));
    const logger = new RecordingLogger();
    const ctx = launchContext({ resources: track(new MemoryResources()), logDir, logger, limits: { log_bytes: 1024 * 1024 } });
    const node = await launch(misbehaving("chatty", "chatty"), ctx);
    await node.external.start({ seed: 1, timeQuantumUs: 10_000 });
    // 20 MB of stderr per quantum: the node answers two quanta, and dies in the third.
    await node.external.advance(10_000, []);
    await node.external.advance(20_000, []);
    const err = (await node.external.advance(30_000, []).catch((e: unknown) => e)) as ProtocolError;
    await node.stop();
    expect(err.kind).toBe("exited");
    expect(err.message).toMatch(/exited with code 3; last line received: {"type":"done","now_us":20000}\n {2}recent output:\n[\s\S]*last words of 30000$/);
    const log = readFileSync(join(logDir, "chatty.log"), "utf8");
    const lines = log.split("\n");
    expect(log.length).toBeLessThan(1024 * 1024 + 1000);
    expect(log.length).toBeGreaterThan(1024 * 1024 - 200);
    expect(lines[0]).toBe("e".repeat(99));
    const note = lines.find((l) => l.startsWith("[sim] log truncated"));
    expect(note).toMatch(/^\[sim\] log truncated after \d+ lines, \d+ bytes \(limits.log_bytes is 1048576\); the node kept running/);
    expect(lines.at(-2)).toMatch(/^\[sim\] dropped \d+ lines, \d+ bytes of output after the log was truncated$/);
    expect(log).not.toContain("last words");
    expect(lines.filter((l) => l.startsWith("[sim]"))).toHaveLength(2);
    // The run's logger got as much as the file, and a warning.
    const forwarded = logger.records.filter((r) => r.bindings.stream === "stderr").length;
    expect(forwarded).toBeLessThan(11_000);
    expect(logger.records.filter((r) => r.level === "warn" && r.msg.startsWith("log truncated"))).toHaveLength(1);
  });

  it("truncates at log_lines, counting stderr lines and protocol log lines together", async () => {
    const logDir = mkdtempSync(join(tmpdir(), "sim-logs-"));
    onTestFinished(() => rmSync(logDir, { recursive: true, force: true }));
    const ctx = launchContext({ resources: track(new MemoryResources()), logDir, limits: { log_lines: 50 } });
    const node = await launch(misbehaving("mixed", "mixed"), ctx);
    await node.external.start({ seed: 1, timeQuantumUs: 10_000 });
    await node.external.advance(10_000, []);
    await node.stop();
    // 30 + 30 lines: neither kind alone reaches 50, together they pass it.
    const lines = readFileSync(join(logDir, "mixed.log"), "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(52);
    expect(lines.slice(0, 50).every((l) => /^(stderr \d+|\[info\] log \d+)$/.test(l))).toBe(true);
    expect(lines[50]).toMatch(/^\[sim\] log truncated after 50 lines, \d+ bytes \(limits.log_lines is 50\); the node kept running/);
    expect(lines[51]).toMatch(/^\[sim\] dropped 10 lines, \d+ bytes of output after the log was truncated$/);
  });
});

describe("starting", () => {
  it("a command that does not exist is a ProcessStartError and registers nothing", async () => {
    const resources = track(new MemoryResources());
    const err = await launch(processNode("ghost", ["no-such-program-sim"], tmpdir()), launchContext({ resources })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProcessStartError);
    expect((err as ProcessStartError).message).toContain('node "ghost": cannot start ["no-such-program-sim"]');
    expect(resources.added).toEqual([]);
  });

  it("passes a minimal environment plus the scenario's env and the run markers", async () => {
    const launcher = createProcessLauncher({ inheritedEnv: { PATH: process.env.PATH, HOME: "/home/x", SECRET_TOKEN: "t0k3n" } });
    const resources = track(new MemoryResources("run-env"));
    const node = processNode("envy", [process.execPath, MISBEHAVE, "env"], tmpdir(), {}, { MODE: "fast" });
    const s = (await launcher.launch(node, launchContext({ resources }))) as StartedProcess;
    await s.external.start({ seed: 1, timeQuantumUs: 10_000 });
    const [msg] = await s.external.advance(10_000, []);
    await s.stop();
    const env = msg!.payload as Record<string, string>;
    expect(env).toMatchObject({ HOME: "/home/x", MODE: "fast", SIM_RUN_ID: "run-env", SIM_NODE_ID: "envy" });
    expect(env.SECRET_TOKEN).toBeUndefined();
  });

  it("check() reports a missing command, a missing cwd and a non-executable path; describe() shows the command", async () => {
    const scenario = launchContext().scenario;
    const problems = await processLauncher.check(
      [
        processNode("ok", ["python3", "echo_node.py"], EXAMPLES_PY),
        processNode("missing", ["no-such-program-sim"], tmpdir()),
        processNode("nocwd", ["python3"], "/no/such/folder"),
        processNode("notexec", ["./echo_node.py"], EXAMPLES_PY),
      ],
      scenario,
    );
    expect(problems.map((p) => [p.code, p.path.join(".")])).toEqual([
      ["command-not-found", "nodes.missing.command"],
      ["cwd-not-found", "nodes.nocwd.cwd"],
      ["command-not-found", "nodes.notexec.command"],
    ]);
    expect(problems[0]!.message).toContain("no-such-program-sim was not found on PATH");
    expect(processLauncher.describe(processNode("d", ["python3", "x.py"], "/tmp", {}, { B: "1", A: "2" }))).toEqual({
      command: ["python3", "x.py"],
      cwd: "/tmp",
      env: ["A", "B"],
    });
  });
});
