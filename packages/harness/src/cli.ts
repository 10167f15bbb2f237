#!/usr/bin/env node
// The `sim` executable: the only place that reads process.argv and sets the exit code.
import { runCli } from "./cli/program.js";
import { processIo } from "./cli/io.js";

const io = processIo();
const code = await runCli(process.argv.slice(2), io);
io.finished();
process.exitCode = code;
