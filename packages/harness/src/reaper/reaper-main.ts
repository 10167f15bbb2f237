/**
 * The reaper process (see spawn-reaper.ts). Arguments: <registry file> <harness pid>
 * <harness start time or "">. stdin: "exit\n" = the run ended cleanly, exit without
 * doing anything; EOF without it = the harness is gone, clean up the run.
 * This is a program entry point: it may exit the process.
 */
import { rmSync, writeFileSync } from "node:fs";
import { isProcessAlive, KILL_WAIT_MS, processStartTime, SIGKILL_AFTER_MS } from "@sim/process-tree";
import { isEmptyRecord, readRunRecord } from "../resources/run-record.js";
import { reapRun, remainingRecord } from "./reap.js";

/** Cleanup gets this long at most; then the reaper exits whatever happened (`sim clean` can finish the job). */
const REAPER_DEADLINE_MS = 60_000;

/** How often the reaper also checks that the harness process still exists, in case the pipe was inherited. */
const WATCHDOG_MS = 2_000;

const [file, pidArg, startArg] = process.argv.slice(2);
if (!file || !pidArg) {
  process.stderr.write("usage: reaper-main <registry file> <harness pid> [<harness start time>]\n");
  process.exit(2);
}
const harnessPid = Number(pidArg);
const harnessStart = startArg ? Number(startArg) : null;

let input = "";
let reaping = false;

process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk: string) => {
  input += chunk;
  if (input.includes("exit\n")) process.exit(0);
});
process.stdin.on("end", () => void reap());
process.stdin.on("error", () => void reap());

const watchdog = setInterval(() => {
  const alive = isProcessAlive(harnessPid) && (harnessStart === null || processStartTime(harnessPid) === harnessStart);
  if (!alive) void reap();
}, WATCHDOG_MS);

async function reap(): Promise<void> {
  if (reaping) return;
  reaping = true;
  clearInterval(watchdog);
  setTimeout(() => process.exit(1), REAPER_DEADLINE_MS).unref();
  const record = readRunRecord(file!);
  if (record === null || isEmptyRecord(record)) {
    rmSync(file!, { force: true });
    process.exit(0);
  }
  const report = await reapRun(record, { killAfterMs: SIGKILL_AFTER_MS, killWaitMs: KILL_WAIT_MS });
  if (report.clean) {
    rmSync(file!, { force: true });
  } else {
    // Keep what could not be removed listed, with the reason, for `sim clean`.
    writeFileSync(file!, JSON.stringify({ ...remainingRecord(record, report), reaperReport: report }, null, 2));
  }
  process.exit(report.clean ? 0 : 1);
}
