// Lockstep barrier throughput: N external nodes, one message in and one out per node
// per quantum, through the real path (process launcher + coordinator-side protocol
// node + SDK children), against the same barrier loop over bare children on raw pipes.
//
//   pnpm bench:lockstep [--seconds 60] [--nodes 8] [--quantum-us 10000] [--json]
import { spawn, type ChildProcessByStdio } from "node:child_process";
import { readFileSync } from "node:fs";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { ExternalNode, InboundMessage, OutboundMessage } from "../packages/coordinator/src/index.js";
import { processLauncher, type StartedProcess } from "../packages/launcher-process/src/index.js";
import { createProtocolNode } from "../packages/protocol/src/index.js";
import { launchContext, processNode } from "../packages/launcher-process/src/__fixtures__/context.js";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "60" },
    nodes: { type: "string", default: "8" },
    "quantum-us": { type: "string", default: "10000" },
    json: { type: "boolean", default: false },
  },
});
const SECONDS = Number(values.seconds);
const NODES = Number(values.nodes);
const QUANTUM_US = Number(values["quantum-us"]);
const WARMUP_QUANTA = 200;
const EXAMPLES_TS = fileURLToPath(new URL("../examples/nodes/ts/", import.meta.url));
const BARE_CHILD = fileURLToPath(new URL("./lockstep-bare-child.mjs", import.meta.url));

type Child = ChildProcessByStdio<Writable, Readable, null>;
type Advance = (untilUs: number, inbound: InboundMessage[]) => Promise<OutboundMessage[]>;

/** The barrier loop: every node advances in parallel; what one sent is delivered to its target next quantum. */
async function barrierLoop(ids: string[], advance: Advance[], fromUs: number, quanta: number): Promise<number> {
  const index = new Map(ids.map((id, i) => [id, i]));
  let inboxes: InboundMessage[][] = ids.map(() => []);
  const t0 = performance.now();
  for (let k = 0; k < quanta; k++) {
    const until = fromUs + (k + 1) * QUANTUM_US;
    const results = await Promise.all(advance.map((a, i) => a(until, inboxes[i]!)));
    inboxes = ids.map(() => []);
    results.forEach((out, i) => {
      // Latency of one quantum: sent at the start of this quantum, due at the start of the next.
      for (const m of out) inboxes[index.get(m.to)!]!.push({ from: ids[i]!, atUs: m.atUs + QUANTUM_US, payload: m.payload, sizeBytes: m.sizeBytes });
    });
  }
  return performance.now() - t0;
}

interface Result {
  name: string;
  quanta: number;
  ms: number;
  /** CPU time of the parent and of all children during the measured loop (load-independent cost). */
  parentCpuMs: number;
  childCpuMs: number;
}

/** utime + stime of a process in ms (Linux /proc; 0 elsewhere). */
function cpuMsOf(pid: number): number {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "latin1");
    const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}
const CLOCK_TICKS = 100;

async function measure(name: string, ids: string[], advance: Advance[], pids: number[]): Promise<Result> {
  await barrierLoop(ids, advance, 0, WARMUP_QUANTA);
  const quanta = Math.round((SECONDS * 1e6) / QUANTUM_US);
  const children0 = pids.reduce((a, p) => a + cpuMsOf(p), 0);
  const parent0 = process.cpuUsage();
  const ms = await barrierLoop(ids, advance, WARMUP_QUANTA * QUANTUM_US, quanta);
  const parent = process.cpuUsage(parent0);
  const childCpuMs = pids.reduce((a, p) => a + cpuMsOf(p), 0) - children0;
  return { name, quanta, ms, parentCpuMs: (parent.user + parent.system) / 1000, childCpuMs };
}

const ids = Array.from({ length: NODES }, (_, i) => `n${i}`);
const next = (i: number): string => ids[(i + 1) % NODES]!;

async function fullPath(): Promise<Result> {
  const ctx = launchContext({ timeouts: { startup_sec: 60, quantum_wall_sec: 30 } });
  const started: StartedProcess[] = await Promise.all(
    ids.map((id, i) =>
      processLauncher.launch(processNode(id, [process.execPath, "--import", "tsx", "ring.ts"], EXAMPLES_TS, { next: next(i) }), ctx) as Promise<StartedProcess>,
    ),
  );
  try {
    const nodes: ExternalNode[] = started.map((s) => s.external);
    await Promise.all(nodes.map((n) => n.start({ seed: 1, timeQuantumUs: QUANTUM_US })));
    return await measure("SDK nodes via launcher + protocol node", ids, nodes.map((n) => n.advance.bind(n)), started.map((s) => s.pid));
  } finally {
    await Promise.all(started.map((s) => s.stop()));
  }
}

function spawnBare(i: number): Child {
  return spawn(process.execPath, [BARE_CHILD, next(i), String(QUANTUM_US)], { stdio: ["pipe", "pipe", "inherit"] });
}

/** Bare children on raw pipes, with the least parsing the parent can get away with. */
async function bare(): Promise<Result> {
  const children = ids.map((_, i) => spawnBare(i));
  try {
    const advance = children.map((child): Advance => {
      let pending = "";
      let resolve: ((out: OutboundMessage[]) => void) | null = null;
      let out: OutboundMessage[] = [];
      child.stdout.setEncoding("utf8");
      child.stdout.on("data", (chunk: string) => {
        pending += chunk;
        let nl;
        while ((nl = pending.indexOf("\n")) !== -1) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          const msg = JSON.parse(line) as { type: string; at_us: number; to: string; payload: unknown; size_bytes: number };
          if (msg.type === "send") out.push({ to: msg.to, atUs: msg.at_us, payload: msg.payload, sizeBytes: msg.size_bytes, nodeSeq: 0 });
          else if (msg.type === "done" || msg.type === "ready") {
            const r = resolve;
            const o = out;
            resolve = null;
            out = [];
            r?.(o);
          }
        }
      });
      return (until, inbound) =>
        new Promise((r) => {
          resolve = r;
          let text = "";
          for (const m of inbound) text += JSON.stringify({ type: "deliver", at_us: m.atUs, from: m.from, payload: m.payload, size_bytes: m.sizeBytes }) + "\n";
          child.stdin.write(text + `{"type":"advance","until_us":${until}}\n`);
        });
    });
    await Promise.all(
      children.map((c, i) => new Promise<void>((r) => {
        c.stdout.once("data", () => r());
        c.stdin.write(`{"type":"init","protocol":1,"node_id":"${ids[i]}","seed":1,"time_quantum_us":${QUANTUM_US},"config":{}}\n`);
      })),
    );
    return await measure("bare children on raw pipes", ids, advance, children.map((c) => c.pid!));
  } finally {
    await stopChildren(children);
  }
}

/** The coordinator-side protocol node over bare children: isolates the cost of the SDK. */
async function protocolOverBare(): Promise<Result> {
  const children = ids.map((_, i) => spawnBare(i));
  try {
    const nodes = children.map((c, i) => createProtocolNode({ id: ids[i]!, type: "process", stdin: c.stdin, stdout: c.stdout, config: {}, quantumWallMs: 30_000 }));
    await Promise.all(nodes.map((n) => n.start({ seed: 1, timeQuantumUs: QUANTUM_US })));
    return await measure("protocol node + bare children", ids, nodes.map((n) => n.advance.bind(n)), children.map((c) => c.pid!));
  } finally {
    await stopChildren(children);
  }
}

async function stopChildren(children: Child[]): Promise<void> {
  await Promise.all(
    children.map((c) => new Promise<void>((r) => {
      if (c.exitCode !== null) return r();
      c.once("exit", () => r());
      c.stdin.end('{"type":"shutdown"}\n');
    })),
  );
}

const results = [await bare(), await protocolOverBare(), await fullPath()];
const base = results[0]!;
const rows = results.map((r) => ({
  variant: r.name,
  "quanta/s": Math.round((r.quanta / r.ms) * 1000),
  "µs/barrier": Math.round((r.ms * 1000) / r.quanta),
  "x real time": Math.round(((r.quanta * QUANTUM_US) / 1000 / r.ms) * 10) / 10,
  "vs bare": Math.round((r.ms / base.ms) * 100) / 100,
  "parent CPU µs/barrier": Math.round((r.parentCpuMs * 1000) / r.quanta),
  "children CPU µs/barrier": Math.round((r.childCpuMs * 1000) / r.quanta),
}));
if (values.json) {
  console.log(JSON.stringify({ nodes: NODES, quantum_us: QUANTUM_US, virtual_sec: SECONDS, node: process.version, results: rows }, null, 2));
} else {
  console.log(`lockstep: ${NODES} nodes, ${QUANTUM_US} µs quantum, ${SECONDS} s virtual, Node ${process.version}`);
  console.table(rows);
}
