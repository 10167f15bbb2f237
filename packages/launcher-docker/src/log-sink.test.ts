import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { recordingLogger, type LogEntry } from "./__fixtures__/context.js";
import { LogSink } from "./log-sink.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sim-log-sink-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("LogSink", () => {
  it("writes raw output to <node>.log and splits lines per stream, even across chunks and UTF-8 characters", async () => {
    const sink = new LogSink(dir, "edge", recordingLogger([]));
    const lines: string[] = [];
    sink.onLine((line) => lines.push(line));
    const euro = Buffer.from("€");
    sink.write("stdout", Buffer.concat([Buffer.from("price: 3"), euro.subarray(0, 1)]));
    sink.write("stderr", Buffer.from("warn\r\n"));
    sink.write("stdout", Buffer.concat([euro.subarray(1), Buffer.from("\nlast without newline")]));
    sink.flush();
    sink.note("container exited with code 0");
    sink.nodeLog("warn", "from the protocol");
    await sink.close();
    await sink.close();
    expect(lines).toEqual(["warn", "price: 3€", "last without newline"]);
    expect(sink.tail()).toEqual(lines);
    expect(await readFile(join(dir, "edge.log"), "utf8")).toBe(
      "warn\r\nprice: 3€\nlast without newline\n[sim] container exited with code 0\n[node:warn] from the protocol\n",
    );
  });

  it("keeps the last 20 lines for error messages", async () => {
    const sink = new LogSink(dir, "chatty", recordingLogger([]));
    sink.write("stdout", Buffer.from(Array.from({ length: 30 }, (_, i) => `line ${i}\n`).join("")));
    expect(sink.tail()).toHaveLength(20);
    expect(sink.tail()[0]).toBe("line 10");
    await sink.close();
  });

  it("keeps log_lines lines of output and protocol logs, notes the truncation and what was dropped, and keeps following for the tail and listeners", async () => {
    const entries: LogEntry[] = [];
    const sink = new LogSink(dir, "noisy", recordingLogger(entries), { log_lines: 3, log_bytes: 1000 });
    const lines: string[] = [];
    sink.onLine((line) => lines.push(line));
    sink.note("container started");
    sink.write("stderr", Buffer.from("one\ntwo\n"));
    expect(sink.nodeLog("info", "three")).toBe(true);
    sink.write("stderr", Buffer.from("four\nfive\n"));
    expect(sink.nodeLog("info", "six")).toBe(false);
    sink.note("container exited with code 0");
    await sink.close();
    expect(await readFile(join(dir, "noisy.log"), "utf8")).toBe(
      [
        "[sim] container started",
        "one",
        "two",
        "[node:info] three",
        "[sim] log truncated after 3 lines, 26 bytes (limits.log_lines is 3); the node kept running, its further output is dropped (raise limits.log_lines in the scenario to keep more)",
        "[sim] container exited with code 0",
        "[sim] dropped 3 lines, 26 bytes of output after the log was truncated",
        "",
      ].join("\n"),
    );
    expect(lines).toEqual(["one", "two", "four", "five"]);
    expect(sink.tail()).toEqual(["one", "two", "four", "five"]);
    expect(entries.filter((e) => e.level === "warn").map((e) => e.msg)).toEqual([expect.stringContaining("log truncated after 3 lines")]);
  });

  it("without a log folder, the logger gets only what the limits keep", async () => {
    const entries: LogEntry[] = [];
    const sink = new LogSink(null, "svc", recordingLogger(entries), { log_lines: 100, log_bytes: 10 });
    sink.write("stderr", Buffer.from("12345678\n12345678\n"));
    await sink.close();
    expect(entries.map((e) => [e.level, e.msg])).toEqual([
      ["info", "12345678"],
      ["warn", expect.stringContaining("(limits.log_bytes is 10)")],
      ["info", "dropped 1 lines, 9 bytes of output after the log was truncated"],
    ]);
  });

  it("sends lines to the logger when the run has no log folder", async () => {
    const entries: LogEntry[] = [];
    const sink = new LogSink(null, "svc", recordingLogger(entries));
    sink.write("stderr", Buffer.from("hello\n"));
    sink.note("ready");
    await sink.close();
    expect(sink.path).toBeNull();
    expect(entries).toEqual([
      { level: "info", fields: { node: "svc", stream: "stderr" }, msg: "hello" },
      { level: "info", fields: { node: "svc" }, msg: "ready" },
    ]);
  });
});
