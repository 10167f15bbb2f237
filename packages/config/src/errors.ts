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

/** A node type outside the table of node kinds, e.g. in a resolved node built in code. */
export class UnknownNodeTypeError extends SimError {
  readonly type: unknown;
  constructor(type: unknown, known: readonly string[]) {
    super("SIM_NODE_TYPE_UNKNOWN", `unknown node type ${JSON.stringify(type)}; the node types are ${known.join(", ")}`);
    this.type = type;
  }
}

/** A network type outside the table of network kinds, e.g. in a resolved network built in code. */
export class UnknownNetworkTypeError extends SimError {
  readonly type: unknown;
  constructor(type: unknown, known: readonly string[]) {
    super("SIM_NETWORK_TYPE_UNKNOWN", `unknown network type ${JSON.stringify(type)}; the network types are ${known.join(", ")}`);
    this.type = type;
  }
}

/**
 * A value outside its type reached code written for every case of that type (see
 * `assertNever`): data built in code around the types, or a bug.
 */
export class UnexpectedValueError extends SimError {
  readonly value: unknown;
  constructor(what: string, value: unknown) {
    super("SIM_UNEXPECTED_VALUE", `unexpected ${what}: ${JSON.stringify(value) ?? String(value)}`);
    this.value = value;
  }
}
