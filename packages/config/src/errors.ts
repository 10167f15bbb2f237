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

/**
 * The scenario file could not be read at all (missing, a directory, no permission).
 * `problems` holds one problem with code "unreadable", for uniform printing.
 */
export class ScenarioUnreadableError extends SimError {
  readonly path: string;
  readonly problems: Problem[];
  constructor(path: string, reason: string, options?: { cause?: unknown }) {
    super("SIM_SCENARIO_UNREADABLE", `cannot read scenario ${JSON.stringify(path)}: ${reason}`, options);
    this.path = path;
    this.problems = [
      { severity: "error", code: "unreadable", file: path, line: null, column: null, path: [], message: `cannot read the scenario file: ${reason}`, hint: "pass the path of a scenario .yaml file" },
    ];
  }
}
