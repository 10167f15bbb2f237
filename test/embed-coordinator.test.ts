import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { runQueueExperiment } from "../examples/embed-coordinator.js";

test("a program embeds the coordinator with its own node types: an M/M/1 queue matches theory", async () => {
  const { summary, meanSojournMs, theoryMs, traceLines } = await runQueueExperiment({ seed: 7, durationSec: 600 });
  expect(summary.success).toBe(true);
  expect(summary.nodes.server!.type).toBe("fifo-server");
  // About lambda * duration = 48,000 jobs.
  const jobs = summary.latency_ms.sojourn!.count;
  expect(jobs).toBeGreaterThan(46_000);
  expect(jobs).toBeLessThan(50_000);
  expect(summary.nodes.server!.counters.arrivals).toBe(summary.nodes.source!.sent);
  // Theory says 51 ms; at 80% load a 600 s run estimates the mean within a few percent.
  expect(theoryMs).toBe(51);
  expect(Math.abs(meanSojournMs - theoryMs) / theoryMs).toBeLessThan(0.2);
  // Every timer, send and delivery is a trace line, plus the server's own event at the end.
  expect(traceLines).toBe(summary.events + summary.messages.sent + 1);
});

test("the embedded run is deterministic: same seed, same digest; the trace file hashes to it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sim-embed-"));
  const path = join(dir, "trace.jsonl");
  const a = await runQueueExperiment({ seed: 3, durationSec: 60, tracePath: path });
  const b = await runQueueExperiment({ seed: 3, durationSec: 60 });
  const c = await runQueueExperiment({ seed: 4, durationSec: 60 });
  expect(a.summary.digest).toBe(b.summary.digest);
  expect(c.summary.digest).not.toBe(a.summary.digest);
  expect(createHash("sha256").update(readFileSync(path)).digest("hex")).toBe(a.summary.digest);
  rmSync(dir, { recursive: true, force: true });
});
