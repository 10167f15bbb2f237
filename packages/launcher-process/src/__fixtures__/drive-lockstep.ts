// Test and benchmark support: a minimal lockstep barrier loop over external nodes,
// with a fixed link latency. The coordinator does the real thing; this only feeds
// the protocol nodes the way it does.
import type { ExternalNode, InboundMessage, OutboundMessage } from "@sim/coordinator";

export interface Sent extends OutboundMessage {
  from: string;
}

export async function driveLockstep(
  nodes: ExternalNode[],
  options: { quantumUs: number; durationUs: number; latencyUs: number; seed?: number; record?: boolean },
): Promise<{ sent: Sent[]; barriers: number }> {
  const { quantumUs, durationUs, latencyUs } = options;
  await Promise.all(nodes.map((n) => n.start({ seed: options.seed ?? 1, timeQuantumUs: quantumUs })));
  const inboxes = new Map<string, InboundMessage[]>(nodes.map((n) => [n.id, []]));
  const sent: Sent[] = [];
  let barriers = 0;
  for (let t = 0; t < durationUs; t += quantumUs) {
    const until = t + quantumUs;
    const results = await Promise.all(
      nodes.map((n) => {
        const inbox = inboxes.get(n.id)!;
        const now = inbox.filter((m) => m.atUs < until);
        inboxes.set(n.id, inbox.filter((m) => m.atUs >= until));
        // Late deliveries (before this quantum) arrive at its start.
        return n.advance(until, now.map((m) => (m.atUs < t ? { ...m, atUs: t } : m)));
      }),
    );
    barriers++;
    const batch: Sent[] = [];
    results.forEach((out, i) => {
      for (const m of out) batch.push({ ...m, from: nodes[i]!.id });
    });
    batch.sort((a, b) => a.atUs - b.atUs || (a.from < b.from ? -1 : a.from > b.from ? 1 : 0) || a.nodeSeq - b.nodeSeq);
    for (const m of batch) {
      inboxes.get(m.to)?.push({ from: m.from, atUs: m.atUs + latencyUs, payload: m.payload, sizeBytes: m.sizeBytes });
      if (options.record !== false) sent.push(m);
    }
  }
  return { sent, barriers };
}
