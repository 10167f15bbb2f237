import type { Command } from "commander";
import { ExitCode } from "../exit-codes.js";
import type { CliIo } from "../io.js";
import { bashCompletionScript } from "../completion-bash.js";
import { completionSpec } from "../completion-spec.js";
import { zshCompletionScript } from "../completion-zsh.js";

export const COMPLETION_SHELLS = ["bash", "zsh"] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

/** `sim completion bash|zsh`: the completion script, generated from `program` as it is defined now. */
export function completionCommand(shell: CompletionShell, program: Command, io: CliIo): number {
  const spec = completionSpec(program);
  io.stdout(shell === "bash" ? bashCompletionScript(spec) : zshCompletionScript(spec));
  return ExitCode.ok;
}
