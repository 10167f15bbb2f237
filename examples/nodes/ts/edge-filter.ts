// An edge node as a separate program: averages every `batch` readings it receives
// and forwards the means to `upstream`, `processing_us` of virtual time later. The
// forwarded payload keeps the oldest sample time, so the cloud measures end-to-end
// latency from sampling. Used by scenarios/process-edge.yaml.
import { runNode } from "@sim/protocol/sdk";

interface Reading {
  sampledAtUs?: number;
  readings?: Record<string, number>;
}

let sums: Record<string, number> = {};
let count = 0;
let oldest = Number.POSITIVE_INFINITY;
let forwarded = 0;

await runNode({
  init(node) {
    if (typeof node.config.upstream !== "string") throw new Error("config.upstream must name the node to forward to");
  },
  onDeliver(msg, node) {
    const reading = msg.payload as Reading;
    for (const [kind, value] of Object.entries(reading.readings ?? {})) sums[kind] = (sums[kind] ?? 0) + value;
    oldest = Math.min(oldest, reading.sampledAtUs ?? msg.atUs);
    count += 1;
    if (count < Number(node.config.batch ?? 10)) return;

    const means: Record<string, number> = {};
    for (const [kind, sum] of Object.entries(sums)) means[kind] = Math.round((sum / count) * 1000) / 1000;
    const payload = { seq: forwarded++, sampledAtUs: oldest, readings: means, count, origin: node.id };
    node.setTimer(Number(node.config.processing_us ?? 0), () => node.send(String(node.config.upstream), payload, { sizeBytes: 48 }));
    sums = {};
    count = 0;
    oldest = Number.POSITIVE_INFINITY;
  },
  onShutdown(node) {
    node.log("info", `forwarded ${forwarded} batches`);
  },
});
