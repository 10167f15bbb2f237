// A node that answers init correctly, then misbehaves at the first advance in the way
// named by argv[2]. Plain JS with blocking I/O so that it starts fast.
import { closeSync, readSync, writeSync } from "node:fs";
import { spawn } from "node:child_process";

const mode = process.argv[2];
const buf = Buffer.alloc(65536);
let pending = "";
const out = (s) => writeSync(1, s);

if (mode === "ignore-term") process.on("SIGTERM", () => {});
if (mode === "grandchild") spawn("sleep", ["1000"], { stdio: "ignore" });

for (;;) {
  const n = readSync(0, buf, 0, buf.length, null);
  if (n === 0) {
    if (mode === "ignore-term" || mode === "close-stdout") {
      // Keep running although stdin closed: only a signal ends it.
      setInterval(() => {}, 1000);
      break;
    }
    process.exit(0);
  }
  pending += buf.toString("utf8", 0, n);
  let nl;
  while ((nl = pending.indexOf("\n")) !== -1) {
    const msg = JSON.parse(pending.slice(0, nl));
    pending = pending.slice(nl + 1);
    if (msg.type === "init") out(`{"type":"ready","protocol":${mode === "version" ? 2 : 1}}\n`);
    if (msg.type === "shutdown" && mode !== "ignore-term") process.exit(0);
    if (msg.type !== "advance") continue;
    const until = msg.until_us;
    switch (mode) {
      case "exit":
        process.stderr.write("fatal: sensor calibration file missing\n");
        process.exit(3);
      case "close-stdout":
        closeSync(1);
        break;
      case "invalid":
        out("temperature=21.5\n");
        break;
      case "send-outside":
        out(`{"type":"send","at_us":${until + 5000},"to":"g","payload":{"late":true}}\n{"type":"done","now_us":${until}}\n`);
        break;
      case "hang":
        break;
      case "huge": {
        const chunk = "x".repeat(1 << 20);
        try {
          for (let i = 0; i < 1024; i++) out(chunk); // 1 GiB without a newline
        } catch {
          process.exit(1);
        }
        break;
      }
      case "flood": {
        // 1,000,000 sends in one quantum, 10,000 lines per write.
        const lines = `{"type":"send","at_us":${until - 1},"to":"g","payload":1}\n`.repeat(10_000);
        for (let i = 0; i < 100; i++) out(lines);
        out(`{"type":"done","now_us":${until}}\n`);
        break;
      }
      case "chatty": {
        // 20 MB of stderr in lines of 100 bytes, then done: the node goes on running
        // normally, until the third quantum, where it exits with code 3.
        const block = `${"e".repeat(99)}\n`.repeat(10_000);
        for (let i = 0; i < 20; i++) writeSync(2, block);
        writeSync(2, `last words of ${until}\n`);
        if (until >= 30_000) process.exit(3);
        out(`{"type":"done","now_us":${until}}\n`);
        break;
      }
      case "mixed":
        // 30 lines on stderr and 30 protocol log lines (the two pipes race: only the total is certain).
        for (let i = 0; i < 30; i++) {
          writeSync(2, `stderr ${i}\n`);
          out(`{"type":"log","level":"info","msg":"log ${i}"}\n`);
        }
        out(`{"type":"done","now_us":${until}}\n`);
        break;
      case "env":
        out(`{"type":"send","at_us":0,"to":"t","payload":${JSON.stringify(process.env)}}\n{"type":"done","now_us":${until}}\n`);
        break;
      default:
        out(`{"type":"done","now_us":${until}}\n`);
    }
  }
}
