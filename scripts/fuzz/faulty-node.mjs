// A process node that breaks the protocol in the way named by argv[2], for the fuzz
// campaign's faulty-node phase (next to the modes of
// packages/launcher-process/src/__fixtures__/misbehave.mjs). Plain JS with blocking
// I/O so that it starts fast.
import { spawn } from "node:child_process";
import { readSync, writeSync } from "node:fs";

const mode = process.argv[2];
const out = (s) => writeSync(1, s);
const buf = Buffer.alloc(65536);
let pending = "";

if (mode === "no-ready") {
  // Reads init, never answers: the startup deadline.
  for (;;) if (readSync(0, buf, 0, buf.length, null) === 0) process.exit(0);
}
if (mode === "exit-before-ready") {
  process.stderr.write("faulty: cannot open the model file\n");
  process.exit(4);
}
if (mode === "orphan-and-exit") {
  // A child in its own session that outlives the node, then the node fails.
  spawn("sleep", ["1000"], { detached: true, stdio: "ignore" }).unref();
}

for (;;) {
  const n = readSync(0, buf, 0, buf.length, null);
  if (n === 0) process.exit(0);
  pending += buf.toString("utf8", 0, n);
  let nl;
  while ((nl = pending.indexOf("\n")) !== -1) {
    const msg = JSON.parse(pending.slice(0, nl));
    pending = pending.slice(nl + 1);
    if (msg.type === "init") {
      if (mode === "garbage-before-ready") out("\u0000\u00ff not json\n");
      out('{"type":"ready","protocol":1}\n');
    }
    if (msg.type === "shutdown") process.exit(0);
    if (msg.type !== "advance") continue;
    const until = msg.until_us;
    switch (mode) {
      case "binary":
        writeSync(1, Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x22, 0x0a]));
        break;
      case "kill-self":
        process.kill(process.pid, "SIGKILL");
        break;
      case "deep":
        out(`{"type":"send","at_us":0,"to":"g","payload":${"[".repeat(5000)}${"]".repeat(5000)}}\n`);
        break;
      case "partial-line-exit":
        out('{"type":"done","now');
        process.exit(0);
        break;
      case "orphan-and-exit":
        process.exit(2);
        break;
      case "log-flood":
        // 20,000 log lines in one write, then a correct answer: not a failure.
        out(`${'{"type":"log","level":"debug","msg":"flood"}\n'.repeat(20_000)}{"type":"done","now_us":${until}}\n`);
        break;
      default:
        out(`{"type":"done","now_us":${until}}\n`);
    }
  }
}
