// TEST FIXTURE: a node that tries every way of leaving processes behind.
//   node escaper.mjs <marker> [route...]
// Each route starts one process that ignores SIGTERM and whose command line
// (`sleep <marker>.<n>`) identifies it:
//   setsid        a child in its own session (keeps the run's environment)
//   daemon        a double-forked daemon in its own session with a scrubbed
//                 environment (env -i) and stdio closed
//   daemon-stdio  the same, but it keeps the node's stdout and stderr
// Other words change the node itself:
//   ignore-term   it ignores SIGTERM, `shutdown` and the end of stdin
//   fail          it exits with code 3 at the first `advance`
//   hang          it never answers `advance`
// It speaks the node protocol with blocking I/O (init -> ready, advance -> done).
import { spawn } from "node:child_process";
import { readSync, writeSync } from "node:fs";

const [marker, ...words] = process.argv.slice(2);
const has = (w) => words.includes(w);
// `trap "" TERM` is inherited through exec: the sleep itself ignores SIGTERM.
const ignoring = (n) => `trap "" TERM; exec sleep ${marker}.${n}`;

if (has("setsid")) spawn("sh", ["-c", ignoring(1)], { detached: true, stdio: "ignore" }).unref();
if (has("daemon")) {
  // The outer shell exits at once: the background job is re-parented (double fork).
  spawn("sh", ["-c", `trap "" TERM; setsid sh -c 'exec env -i sleep ${marker}.2' </dev/null >/dev/null 2>&1 &`], { stdio: "ignore" }).unref();
}
if (has("daemon-stdio")) {
  spawn("sh", ["-c", `trap "" TERM; setsid sh -c 'exec env -i sleep ${marker}.3' </dev/null &`], { stdio: ["ignore", "inherit", "inherit"] }).unref();
}
if (has("ignore-term")) process.on("SIGTERM", () => {});

const buf = Buffer.alloc(65536);
let pending = "";
const out = (s) => writeSync(1, s);
const idle = () => setInterval(() => {}, 1000);

loop: for (;;) {
  let n;
  try {
    n = readSync(0, buf, 0, buf.length, null);
  } catch (err) {
    if (err.code === "EAGAIN") continue;
    throw err;
  }
  if (n === 0) {
    if (has("ignore-term")) {
      idle();
      break;
    }
    process.exit(0);
  }
  pending += buf.toString("utf8", 0, n);
  let nl;
  while ((nl = pending.indexOf("\n")) !== -1) {
    const msg = JSON.parse(pending.slice(0, nl));
    pending = pending.slice(nl + 1);
    if (msg.type === "init") out(`{"type":"ready","protocol":1}\n`);
    if (msg.type === "shutdown") {
      if (has("ignore-term")) {
        idle();
        break loop;
      }
      process.exit(0);
    }
    if (msg.type !== "advance") continue;
    if (has("fail")) {
      process.stderr.write("escaper: failing on purpose\n");
      process.exit(3);
    }
    if (has("hang")) {
      idle();
      break loop;
    }
    out(`{"type":"done","now_us":${msg.until_us}}\n`);
  }
}
