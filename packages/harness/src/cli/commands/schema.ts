import { scenarioSchema, sweepSchema } from "@sim/config";
import { ExitCode } from "../exit-codes.js";
import type { CliIo } from "../io.js";

/** `sim schema [--sweep]`: the JSON Schema of the scenario file, or of the sweep file. */
export function schemaCommand(io: CliIo, options: { sweep?: boolean } = {}): number {
  io.stdout(`${JSON.stringify(options.sweep ? sweepSchema : scenarioSchema, null, 2)}\n`);
  return ExitCode.ok;
}
