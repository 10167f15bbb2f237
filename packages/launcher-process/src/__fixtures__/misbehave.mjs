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
      case "env":
        out(`{"type":"send","at_us":0,"to":"t","payload":${JSON.stringify(process.env)}}\n{"type":"done","now_us":${until}}\n`);
        break;
      default:
        out(`{"type":"done","now_us":${until}}\n`);
    }
  }
}
