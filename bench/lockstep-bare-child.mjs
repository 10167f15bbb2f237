// The baseline for bench/lockstep.ts: the least a node can do. Blocking reads and
// writes on fds 0/1, no SDK, no validation: each `advance` is answered with one
// `send` (to argv[2]) and `done`.
import { readSync, writeSync } from "node:fs";

const to = JSON.stringify(process.argv[2] ?? "peer");
const quantumUs = Number(process.argv[3] ?? 10000);
const buf = Buffer.allocUnsafe(1 << 16);
let pending = "";
for (;;) {
  let n;
  try {
    n = readSync(0, buf, 0, buf.length, null);
  } catch (err) {
    if (err.code === "EAGAIN") continue;
    throw err;
  }
  if (n === 0) break;
  pending += buf.toString("utf8", 0, n);
  let nl;
  let out = "";
  while ((nl = pending.indexOf("\n")) !== -1) {
    const line = pending.slice(0, nl);
    pending = pending.slice(nl + 1);
    if (line.includes('"init"')) out += '{"type":"ready","protocol":1}\n';
    else if (line.includes('"shutdown"')) process.exit(0);
    else if (line.includes('"advance"')) {
      const until = /"until_us":(\d+)/.exec(line)[1];
      const from = Number(until) - quantumUs;
      out += `{"type":"send","at_us":${from},"to":${to},"payload":{"n":0},"size_bytes":32}\n{"type":"done","now_us":${until}}\n`;
    }
  }
  if (out) writeSync(1, out);
}
