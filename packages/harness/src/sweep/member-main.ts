/**
 * Entry point of a member process: `member-main <store> <key>`, or, as a Slurm
 * array task, `member-main <store> --tasks <file>` with the key on line
 * $SLURM_ARRAY_TASK_ID of the file. Runs the member, then exits 0 (succeeded),
 * 1 (failed) or 130 (interrupted). SIGINT/SIGTERM stop the run cleanly.
 *
 * With SIM_SWEEP_WATCH_PARENT=1 (the local executor sets it) stdin is a pipe whose
 * other end only the sweep holds: when the sweep dies, even by SIGKILL, the kernel
 * closes it, and the member stops its run cleanly instead of running on unowned.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { defaultStateDir } from "../resources/state-dir.js";
import { MEMBER_TRACE_THREAD_ENV } from "./member-command.js";
import { runMember } from "./run-member.js";

async function main(argv: string[]): Promise<number> {
  const [store, second, third] = argv;
  if (store === undefined || second === undefined) {
    process.stderr.write("usage: member-main <store> <key> | <store> --tasks <file>\n");
    return 2;
  }
  let key = second;
  if (second === "--tasks") {
    const index = Number(process.env.SLURM_ARRAY_TASK_ID);
    const keys = readFileSync(third ?? "", "utf8").split("\n").filter(Boolean);
    const found = Number.isInteger(index) ? keys[index] : undefined;
    if (found === undefined) {
      process.stderr.write(`member-main: task ${process.env.SLURM_ARRAY_TASK_ID ?? "(no SLURM_ARRAY_TASK_ID)"} is not in ${third}\n`);
      return 2;
    }
    key = found;
  }
  const interrupt = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => interrupt.abort(signal);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  if (process.env.SIM_SWEEP_WATCH_PARENT === "1") {
    process.stdin.on("end", () => interrupt.abort("the sweep that started this member has gone"));
    process.stdin.on("error", () => interrupt.abort("the sweep that started this member has gone"));
    process.stdin.resume();
  }
  process.stdout.write(`member ${key}: started on pid ${process.pid}\n`);
  const result = await runMember(store, key, {
    signal: interrupt.signal,
    stateDir: defaultStateDir(process.env, homedir()),
    env: process.env,
    ...(process.env[MEMBER_TRACE_THREAD_ENV] === "0" ? { traceThread: false } : {}),
  });
  process.stdout.write(`member ${key}: ${result.status}${result.error ? `: ${result.error.message}` : ""} (${result.wall_sec} s, ${result.cpu_sec} s of CPU)\n`);
  return result.status === "succeeded" ? 0 : result.status === "interrupted" ? 130 : 1;
}

// process.exit, not exitCode: a node's leftover must not keep the member (and so the
// whole sweep) waiting; everything the run owned has been stopped and checked by now.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`member-main: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
