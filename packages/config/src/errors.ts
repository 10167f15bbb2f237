import type { Problem } from "./types.js";

/** Base of every error sim throws on purpose; `code` is stable and safe to match on. */
export class SimError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The scenario is invalid; `problems` holds every problem found, structured. */
export class ScenarioInvalidError extends SimError {
  readonly problems: Problem[];
  constructor(problems: Problem[], message?: string) {
    const first = problems.find((p) => p.severity === "error");
    super("SIM_SCENARIO_INVALID", message ?? `invalid scenario: ${first?.message ?? "unknown problem"}`);
    this.problems = problems;
  }
}
