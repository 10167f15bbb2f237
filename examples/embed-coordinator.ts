/**
 * Embedding the engine alone: another program drives `@sim/coordinator` with its own
 * node types, no scenario file and no harness. Here, a textbook M/M/1 queue: a
 * Poisson source, a FIFO server with exponential service times, and a sink that
 * records each job's time in the system. Its mean must match queueing theory,
 * W = 1 / (mu - lambda), plus the 1 ms link to the sink.
 *
 *   pnpm exec tsx --conditions=@sim/source examples/embed-coordinator.ts [seed] [trace.jsonl]
 */
import { pathToFileURL } from "node:url";
import {
  Coordinator,
  FileTraceSink,
  LatencyNetwork,
  MemoryTraceSink,
  type InProcessNode,
  type Message,
  type NodeContext,
  type RunSummary,
  type TraceSink,
} from "@sim/coordinator";

interface Job {
  id: number;
  createdAtUs: number;
}

/** An exponential variate with the given rate (per second), in whole µs (at least 1). */
function exponentialUs(ctx: NodeContext, ratePerSec: number): number {
  return Math.max(1, Math.round((-Math.log(1 - ctx.rng.next()) / ratePerSec) * 1e6));
}

/** Emits jobs to `target` as a Poisson process of rate `lambda` per second. */
class PoissonSource implements InProcessNode {
  readonly kind = "in-process";
  readonly type = "poisson-source";
  private next = 0;
  constructor(
    readonly id: string,
    private readonly target: string,
    private readonly lambda: number,
  ) {}
  start(ctx: NodeContext): void {
    ctx.setTimer(exponentialUs(ctx, this.lambda), 0);
  }
  receive(): void {}
  timer(_tag: number, ctx: NodeContext): void {
    const job: Job = { id: this.next++, createdAtUs: ctx.now() };
    ctx.send(this.target, job, 64);
    ctx.setTimer(exponentialUs(ctx, this.lambda), 0);
  }
}

/** One server, FIFO queue, service times exponential with rate `mu` per second. */
class FifoServer implements InProcessNode {
  readonly kind = "in-process";
  readonly type = "fifo-server";
  private readonly queue: Job[] = [];
  private busy = false;
  constructor(
    readonly id: string,
    private readonly target: string,
    private readonly mu: number,
  ) {}
  start(): void {}
  receive(msg: Message, ctx: NodeContext): void {
    this.queue.push(msg.payload as Job);
    ctx.count("arrivals");
    if (!this.busy) this.serveNext(ctx);
  }
  timer(_tag: number, ctx: NodeContext): void {
    const done = this.queue.shift()!;
    ctx.send(this.target, done, 64);
    this.busy = false;
    if (this.queue.length > 0) this.serveNext(ctx);
  }
  finish(ctx: NodeContext): void {
    ctx.trace("queue-at-end", { waiting: this.queue.length });
  }
  private serveNext(ctx: NodeContext): void {
    this.busy = true;
    ctx.setTimer(exponentialUs(ctx, this.mu), 0);
  }
}

/** Records each job's time in the system under the latency series "sojourn". */
class Sink implements InProcessNode {
  readonly kind = "in-process";
  readonly type = "sink";
  constructor(readonly id: string) {}
  start(): void {}
  timer(): void {}
  receive(msg: Message, ctx: NodeContext): void {
    ctx.latency("sojourn", ctx.now() - (msg.payload as Job).createdAtUs);
  }
}

export interface QueueExperiment {
  seed?: number;
  durationSec?: number;
  /** Arrivals per second. */
  lambda?: number;
  /** Services per second (must exceed lambda). */
  mu?: number;
  /** Write the trace here; default: kept in memory. */
  tracePath?: string;
}

export interface QueueResult {
  summary: RunSummary;
  /** Mean time in the system measured by the run, ms. */
  meanSojournMs: number;
  /** What M/M/1 theory predicts for it, ms (including the 1 ms link to the sink). */
  theoryMs: number;
  /** Number of trace lines (only when the trace was kept in memory). */
  traceLines: number | null;
}

/** Runs the queue and compares it with theory. */
export async function runQueueExperiment(options: QueueExperiment = {}): Promise<QueueResult> {
  const { seed = 1, durationSec = 600, lambda = 80, mu = 100 } = options;
  const network = new LatencyNetwork({
    default_latency_ms: 0,
    jitter_ms: 0,
    loss: 0,
    bandwidth_kbps: null,
    links: [{ from: "server", to: "sink", from_nodes: ["server"], to_nodes: ["sink"], latency_ms: 1, jitter_ms: null, loss: null, bandwidth_kbps: null }],
  });
  const memory = options.tracePath === undefined ? new MemoryTraceSink() : null;
  const trace: TraceSink = memory ?? new FileTraceSink(options.tracePath!);
  const coordinator = new Coordinator({
    nodes: [new PoissonSource("source", "server", lambda), new FifoServer("server", "sink", mu), new Sink("sink")],
    network,
    seed,
    durationUs: durationSec * 1_000_000,
    trace,
  });
  coordinator.on("node-error", ({ nodeId, error }) => console.error(`node ${nodeId} failed: ${error.message}`));
  const summary = await coordinator.run();
  return {
    summary,
    meanSojournMs: summary.latency_ms.sojourn?.mean ?? Number.NaN,
    theoryMs: 1000 / (mu - lambda) + 1,
    traceLines: memory === null ? null : memory.lines().length,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const result = await runQueueExperiment({ seed: Number(process.argv[2] ?? 1), tracePath: process.argv[3] });
  const { summary } = result;
  console.log(
    JSON.stringify(
      { success: summary.success, digest: summary.digest, events: summary.events, mean_sojourn_ms: result.meanSojournMs, theory_ms: result.theoryMs, sojourn: summary.latency_ms.sojourn },
      null,
      2,
    ),
  );
}
