import { scenarioSchema } from "@sim/config";
import { ExitCode } from "../exit-codes.js";
import type { CliIo } from "../io.js";

export function schemaCommand(io: CliIo): number {
  io.stdout(`${JSON.stringify(scenarioSchema, null, 2)}\n`);
  return ExitCode.ok;
}
