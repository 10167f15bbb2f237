// Lockstep barrier throughput: N external nodes, each receiving one message and
// sending one per quantum. Eight ways ("vs floor": µs per barrier against `floor`'s, or the
// first variant run when floor is not among them):
//   floor      a hand-written parent loop (no Coordinator) over bare children
//   floor-sdk  the same loop over SDK nodes (examples/nodes/ts/ring.ts): what the SDK costs a child
//   floor-sessions  the floor with each child in its own session, as launched nodes are
//   bare       the Coordinator over bare children on raw pipes (no SDK, least parsing)
//   protocol   the coordinator-side protocol node over the same bare children
//   protocol-sdk  the protocol node over SDK nodes spawned directly (full without the launcher)
//   sessions   bare children again, each in its own session like launched nodes
//   full       process launcher + protocol node + SDK nodes (examples/nodes/ts/ring.ts)
//
//   pnpm bench:lockstep [--seconds 60] [--nodes 8] [--quantum-us 10000] [--json]
//                       [--digest on|off]   off: the Coordinator neither encodes nor hashes a trace
//                       [--rounds 1]   run the variants in turn this many times; medians, and
//                                      "vs floor" against the floor of the same round
//                       [--containment auto|cgroup|subreaper|group]   how `full` keeps each node's processes together
//   LOCKSTEP_CHILD_FLAGS="--cpu-prof --cpu-prof-dir=…"   Node flags for the SDK children of floor-sdk and protocol-sdk (to profile the SDK)
//                       [--only floor,floor-sdk,floor-sessions,bare,protocol,protocol-sdk,sessions,full]   (default: all; e.g. to profile one)
import { spawn, type ChildProcessByStdio } from "node:child_process";
import { readFileSync } from "node:fs";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Coordinator, createNetworkModel, type ExternalNode, type InboundMessage, type OutboundMessage } from "../packages/coordinator/src/index.js";
import { createProcessLauncher, type StartedProcess } from "../packages/launcher-process/src/index.js";
import { createProtocolNode } from "../packages/protocol/src/index.js";
import { launchContext, processNode } from "../packages/launcher-process/src/__fixtures__/context.js";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "60" },
    nodes: { type: "string", default: "8" },
    "quantum-us": { type: "string", default: "10000" },
    json: { type: "boolean", default: false },
    only: { type: "string" },
    digest: { type: "string", default: "on" },
    containment: { type: "string", default: "auto" },
    rounds: { type: "string", default: "1" },
  },
});
const SECONDS = Number(values.seconds);
const NODES = Number(values.nodes);
const QUANTUM_US = Number(values["quantum-us"]);
const ROUNDS = Number(values.rounds);
if (!(Number.isSafeInteger(ROUNDS) && ROUNDS > 0)) throw new Error(`--rounds must be a positive integer, got ${values.rounds}`);
const EXAMPLES_TS = fileURLToPath(new URL("../examples/nodes/ts/", import.meta.url));
const BARE_CHILD = fileURLToPath(new URL("./lockstep-bare-child.mjs", import.meta.url));

type Child = ChildProcessByStdio<Writable, Readable, null>;

interface Result {
  name: string;
  quanta: number;
  ms: number;
  /** CPU time and context switches of the parent and of all children during the run (hardly depend on other load). */
  usage: Usage;
  messages: number;
}

/** CPU times in ms and context switches (voluntary + involuntary; a child's main thread only). */
interface Usage {
  parentUserMs: number;
  parentSysMs: number;
  childUserMs: number;
  childSysMs: number;
  parentSwitches: number;
  childSwitches: number;
}

/** What the parent and the processes `pids` have used so far (Linux /proc for the children; 0 elsewhere). */
function usageNow(pids: number[]): Usage {
  const own = process.resourceUsage();
  const u: Usage = {
    parentUserMs: own.userCPUTime / 1000,
    parentSysMs: own.systemCPUTime / 1000,
    childUserMs: 0,
    childSysMs: 0,
    parentSwitches: own.voluntaryContextSwitches + own.involuntaryContextSwitches,
    childSwitches: 0,
  };
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      u.childUserMs += (Number(f[11]) * 1000) / CLOCK_TICKS_PER_SEC;
      u.childSysMs += (Number(f[12]) * 1000) / CLOCK_TICKS_PER_SEC;
      const status = readFileSync(`/proc/${pid}/status`, "latin1");
      for (const m of status.matchAll(/ctxt_switches:\s+(\d+)/g)) u.childSwitches += Number(m[1]);
    } catch {
      // gone, or no /proc
    }
  }
  return u;
}

function usageSince(before: Usage, pids: number[]): Usage {
  const now = usageNow(pids);
  return Object.fromEntries(Object.entries(now).map(([k, v]) => [k, v - before[k as keyof Usage]])) as unknown as Usage;
}
const CLOCK_TICKS_PER_SEC = 100;

const ids = Array.from({ length: NODES }, (_, i) => `n${i}`);
const next = (i: number): string => ids[(i + 1) % NODES]!;

/** Starts `nodes`, then runs the Coordinator over them for SECONDS of virtual time; a latency of one quantum delivers each message at the next barrier. */
async function measure(name: string, nodes: ExternalNode[], pids: number[]): Promise<Result> {
  // Handshake first: a node's start-up (loading tsx, compiling) is not lockstep time.
  const init = { seed: 1, timeQuantumUs: QUANTUM_US };
  await Promise.all(nodes.map((n) => n.start(init)));
  const started = nodes.map((n): ExternalNode => ({
    kind: "external",
    id: n.id,
    type: n.type,
    start: async () => {},
    advance: (untilUs, inbound) => n.advance(untilUs, inbound),
    stop: () => n.stop(),
  }));
  const coordinator = new Coordinator({
    nodes: started,
    seed: 1,
    durationUs: SECONDS * 1e6,
    timeQuantumUs: QUANTUM_US,
    digest: values.digest !== "off",
    network: createNetworkModel({ type: "latency", default_latency_ms: QUANTUM_US / 1000, jitter_ms: 0, loss: 0, bandwidth_kbps: null, links: [] }),
  });
  const usage0 = usageNow(pids);
  const t0 = performance.now();
  const summary = await coordinator.run();
  const ms = performance.now() - t0;
  const usage = usageSince(usage0, pids);
  if (!summary.success) throw new Error(`${name}: the run failed: ${summary.error?.message}`);
  return {
    name,
    quanta: Math.round((SECONDS * 1e6) / QUANTUM_US),
    ms,
    usage,
    messages: summary.messages.sent,
  };
}

async function fullPath(): Promise<Result> {
  const launcher = createProcessLauncher({ containment: values.containment as "auto" });
  const ctx = launchContext({ timeouts: { startup_sec: 60, quantum_wall_sec: 30 } });
  const started = (await Promise.all(
    ids.map((id, i) => launcher.launch(processNode(id, [process.execPath, "--import", "tsx", "ring.ts"], EXAMPLES_TS, { next: next(i) }), ctx)),
  )) as StartedProcess[];
  try {
    return await measure(`full: launcher + protocol node + SDK (${started[0]!.containment})`, started.map((s) => s.external), started.map((s) => s.pid));
  } finally {
    await Promise.all(started.map((s) => s.stop()));
  }
}

function spawnSdk(): Child {
  const flags = process.env.LOCKSTEP_CHILD_FLAGS?.split(" ").filter(Boolean) ?? [];
  return spawn(process.execPath, [...flags, "--import", "tsx", "ring.ts"], { cwd: EXAMPLES_TS, stdio: ["pipe", "pipe", "inherit"] });
}

function spawnBare(i: number, detached = false): Child {
  return spawn(process.execPath, [BARE_CHILD, next(i), String(QUANTUM_US)], { detached, stdio: ["pipe", "pipe", "inherit"] });
}

/** An ExternalNode over a bare child with the least parsing a parent can get away with. */
function bareNode(id: string, child: Child): ExternalNode {
  let pending = "";
  let resolve: ((out: OutboundMessage[]) => void) | null = null;
  let out: OutboundMessage[] = [];
  let seq = 0;
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    pending += chunk;
    let nl;
    while ((nl = pending.indexOf("\n")) !== -1) {
      const msg = JSON.parse(pending.slice(0, nl)) as { type: string; at_us: number; to: string; payload: unknown; size_bytes: number };
      pending = pending.slice(nl + 1);
      if (msg.type === "send") out.push({ to: msg.to, atUs: msg.at_us, payload: msg.payload, sizeBytes: msg.size_bytes, nodeSeq: seq++ });
      else if (msg.type === "done" || msg.type === "ready") {
        const r = resolve;
        const o = out;
        resolve = null;
        out = [];
        r?.(o);
      }
    }
  });
  const send = (text: string): Promise<OutboundMessage[]> =>
    new Promise((r) => {
      resolve = r;
      child.stdin.write(text);
    });
  return {
    kind: "external",
    id,
    type: "process",
    start: async (init) => void (await send(`{"type":"init","protocol":1,"node_id":"${id}","seed":${init.seed},"time_quantum_us":${init.timeQuantumUs},"config":{}}\n`)),
    advance: (until: number, inbound: InboundMessage[]) => {
      let text = "";
      for (const m of inbound) text += JSON.stringify({ type: "deliver", at_us: m.atUs, from: m.from, payload: m.payload, size_bytes: m.sizeBytes }) + "\n";
      return send(text + `{"type":"advance","until_us":${until}}\n`);
    },
    stop: async () => {},
  };
}

/**
 * `detached`: each child in its own session, as the process launcher starts nodes (so
 * that a whole group can be signalled). With Linux's scheduler autogroups, every
 * session is scheduled as a group of its own, which changes wake-up latency.
 */
async function bare(detached = false): Promise<Result> {
  const children = ids.map((_, i) => spawnBare(i, detached));
  try {
    const name = detached ? "bare children, own sessions" : "bare children on raw pipes";
    return await measure(name, children.map((c, i) => bareNode(ids[i]!, c)), children.map((c) => c.pid!));
  } finally {
    await stopChildren(children);
  }
}

/**
 * The floor: no Coordinator, no promises, no validation. A hand-written parent loop
 * writes each bare child its delivery and `advance`, counts `done` lines in the
 * children's 'data' handlers and starts the next barrier from the last one.
 */
async function floor(sdk = false, detached = false): Promise<Result> {
  const children = ids.map((_, i) => (sdk ? spawnSdk() : spawnBare(i, detached)));
  try {
    const quanta = Math.round((SECONDS * 1e6) / QUANTUM_US);
    const pending = ids.map(() => "");
    let waiting = NODES;
    let q = -1; // -1: waiting for ready
    let messages = 0;
    const pids = children.map((c) => c.pid!);
    let usage0 = usageNow(pids);
    let t0 = 0;
    const result = new Promise<Result>((resolve) => {
      const barrier = (): void => {
        q++;
        if (q === quanta) {
          const ms = performance.now() - t0;
          const usage = usageSince(usage0, pids);
          resolve({ name: `floor: hand-written parent loop, ${sdk ? "SDK" : "bare"} children${detached ? ", own sessions" : ""}`, quanta, ms, usage, messages });
          return;
        }
        waiting = NODES;
        const at = q * QUANTUM_US;
        for (let i = 0; i < NODES; i++) {
          const deliver = q > 0 ? `{"type":"deliver","at_us":${at},"from":"${ids[(i + NODES - 1) % NODES]}","payload":{"n":0},"size_bytes":32}\n` : "";
          children[i]!.stdin.write(`${deliver}{"type":"advance","until_us":${at + QUANTUM_US}}\n`);
        }
      };
      children.forEach((child, i) => {
        child.stdout.setEncoding("utf8");
        child.stdout.on("data", (chunk: string) => {
          let text = pending[i] + chunk;
          let nl;
          let done = false;
          while ((nl = text.indexOf("\n")) !== -1) {
            const line = text.slice(0, nl);
            text = text.slice(nl + 1);
            if (line.startsWith('{"type":"send"')) {
              JSON.parse(line);
              messages++;
            } else done = true; // ready or done
          }
          pending[i] = text;
          if (done && --waiting === 0) {
            if (q === -1) {
              usage0 = usageNow(pids);
              t0 = performance.now();
            }
            barrier();
          }
        });
        child.stdin.write(`{"type":"init","protocol":1,"node_id":"${ids[i]}","seed":1,"time_quantum_us":${QUANTUM_US},"config":{"next":"${next(i)}"}}\n`);
      });
    });
    return await result;
  } finally {
    await stopChildren(children);
  }
}

async function protocolOver(sdk: boolean): Promise<Result> {
  const children = ids.map((_, i) => (sdk ? spawnSdk() : spawnBare(i)));
  try {
    const nodes = children.map((c, i) => createProtocolNode({ id: ids[i]!, type: "process", stdin: c.stdin, stdout: c.stdout, config: { next: next(i) }, quantumWallMs: 30_000 }));
    return await measure(`protocol node + ${sdk ? "SDK" : "bare"} children`, nodes, children.map((c) => c.pid!));
  } finally {
    await stopChildren(children);
  }
}

async function stopChildren(children: Child[]): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((r) => {
          if (c.exitCode !== null) return r();
          c.once("exit", () => r());
          c.stdin.end('{"type":"shutdown"}\n');
        }),
    ),
  );
}

const VARIANTS: Record<string, () => Promise<Result>> = { floor: () => floor(), "floor-sdk": () => floor(true), "floor-sessions": () => floor(false, true), bare: () => bare(), protocol: () => protocolOver(false), "protocol-sdk": () => protocolOver(true), sessions: () => bare(true), full: fullPath };
const chosen = values.only?.split(",") ?? Object.keys(VARIANTS);
for (const v of chosen) {
  if (VARIANTS[v] === undefined) throw new Error(`--only: unknown variant ${v} (expected ${Object.keys(VARIANTS).join(", ")})`);
}
// Rounds run the variants in turn, so that each is compared with the floor of its own
// round: this machine's speed drifts by tens of percent within minutes.
const byVariant = new Map<string, Result[]>();
const vsFloor = new Map<string, number[]>();
for (let round = 0; round < ROUNDS; round++) {
  const results: Result[] = [];
  for (const v of chosen) results.push(await VARIANTS[v]!());
  // Found by its variant key, not by the name it prints.
  const base = results[chosen.indexOf("floor")] ?? results[0]!;
  for (const r of results) {
    byVariant.set(r.name, [...(byVariant.get(r.name) ?? []), r]);
    vsFloor.set(r.name, [...(vsFloor.get(r.name) ?? []), r.ms / base.ms]);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const rows = [...byVariant].map(([name, runs]) => {
  const quanta = runs[0]!.quanta;
  /** The median over the rounds of a per-barrier figure, in µs. */
  const us = (f: (r: Result) => number): number => Math.round(median(runs.map((r) => (f(r) * 1000) / quanta)));
  const msPerBarrier = median(runs.map((r) => r.ms / quanta));
  const cpu = (user: (u: Usage) => number, sys: (u: Usage) => number): string => {
    const [u, s] = [us((r) => user(r.usage)), us((r) => sys(r.usage))];
    return `${u + s} (${u}+${s})`;
  };
  return {
    variant: name,
    "quanta/s": Math.round(1000 / msPerBarrier),
    "µs/barrier": Math.round(msPerBarrier * 1000),
    "x real time": Math.round((QUANTUM_US / 1000 / msPerBarrier) * 10) / 10,
    "vs floor": Math.round(median(vsFloor.get(name)!) * 100) / 100,
    "parent CPU µs/barrier (user+sys)": cpu((u) => u.parentUserMs, (u) => u.parentSysMs),
    "children CPU µs/barrier (user+sys)": cpu((u) => u.childUserMs, (u) => u.childSysMs),
    "switches/barrier parent, children": `${(median(runs.map((r) => r.usage.parentSwitches)) / quanta).toFixed(1)}, ${(median(runs.map((r) => r.usage.childSwitches)) / quanta).toFixed(1)}`,
    messages: runs[0]!.messages,
  };
});
if (values.json) {
  console.log(JSON.stringify({ nodes: NODES, quantum_us: QUANTUM_US, virtual_sec: SECONDS, rounds: ROUNDS, node: process.version, results: rows }, null, 2));
} else {
  console.log(`lockstep: ${NODES} nodes, ${QUANTUM_US} µs quantum, ${SECONDS} s virtual, ${ROUNDS === 1 ? "one round" : `medians of ${ROUNDS} rounds`}, Node ${process.version}`);
  console.table(rows);
}
