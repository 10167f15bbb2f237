#!/usr/bin/env node
// The `sim` executable: the only place that reads process.argv and sets the exit code.
import { rebuildCheckoutIfStale } from "./checkout-build.js";

// Before the program's modules load, so that a rebuilt checkout runs its new code.
await rebuildCheckoutIfStale(import.meta.url);
const { runCli } = await import("./cli/program.js");
const { processIo } = await import("./cli/io.js");

const io = processIo();
const code = await runCli(process.argv.slice(2), io);
io.finished();
process.exitCode = code;
