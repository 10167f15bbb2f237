/**
 * The trace encoder thread of the built package (dist/trace-worker.js), as a consumer
 * runs it: the same bytes and digest as encoding on the engine's thread. The unit tests
 * start the thread from the sources (trace-worker-from-source.mjs).
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { expect, test } from "vitest";
import { repoRoot } from "./helpers/sim-cli.js";

type CoordinatorModule = typeof import("@sim/coordinator");

test("the built engine encodes the trace in its worker thread, byte for byte as on its own thread", async () => {
  const built = pathToFileURL(join(repoRoot, "packages/coordinator/dist/index.js")).href;
  const { Coordinator, MemoryTraceSink } = (await import(built)) as CoordinatorModule;
  const ping = (id: string, to: string) => ({
    id,
    kind: "in-process" as const,
    type: "ping",
    start(ctx: import("@sim/coordinator").NodeContext) {
      ctx.setTimer(1, 0);
    },
    timer(tag: number, ctx: import("@sim/coordinator").NodeContext) {
      ctx.send(to, { seq: tag, v: ctx.rng.next() }, 16);
      ctx.setTimer(1 + Math.floor(ctx.rng.next() * 10), tag + 1);
    },
    receive() {},
  });
  const run = async (traceThread: boolean) => {
    const sink = new MemoryTraceSink();
    const nodes = [ping("a", "b"), ping("b", "a")];
    const summary = await new Coordinator({ nodes, seed: 7, durationUs: 200_000, trace: sink, traceThread }).run();
    return { summary, text: sink.text() };
  };
  const threaded = await run(true);
  const inline = await run(false);
  expect(threaded.summary.error).toBeNull();
  // Enough lines for several record batches through the thread.
  expect(threaded.summary.trace_lines).toBeGreaterThan(50_000);
  expect(threaded.text).toBe(inline.text);
  expect(threaded.summary.digest).toBe(inline.summary.digest);
});
