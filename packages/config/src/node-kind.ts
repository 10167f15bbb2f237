import type { NameMeaning, NodeEntry, NodeNames } from "./node-names.js";
import type { PathSegment } from "./positions.js";
import type { ResolveContext } from "./resolve-context.js";
import type { NodeInput, NodeType, ResolvedNode, ResolvedNodeBase } from "./types.js";

/**
 * How the nodes of a type run, and so who makes them:
 * - `in-process`: built by `createBuiltinNode` of `@sim/nodes`, called by the
 *   coordinator at the virtual time of each of their events;
 * - `external`: started by the launcher registered for the type, advanced in lockstep;
 * - `service`: started by its launcher, lives for the run, takes no part in lockstep
 *   and no messages.
 */
export type NodeRuns = "in-process" | "external" | "service";

/** The input shape of one node type. */
export type NodeInputOf<T extends NodeType> = Extract<NodeInput, { type: T }>;

/** The resolved shape of one node type. */
export type ResolvedNodeOf<T extends NodeType> = Extract<ResolvedNode, { type: T }>;

/** A file or folder a resolved node refers to, checked by `checkScenarioFiles`. */
export interface NodeFile {
  /** Key path inside the node's entry, e.g. `["build", "context"]`. */
  key: readonly PathSegment[];
  /** Absolute. */
  file: string;
  /** "any": a file or a directory (a volume may bind either). */
  kind: "file" | "directory" | "any";
  /** What it is, for the message: "firmware", "working directory". */
  what: string;
}

/** What resolving one entry may use besides the entry itself. */
export interface KindContext extends ResolveContext {
  readonly names: NodeNames;
  /** The resolved `timeouts.startup_sec`. */
  readonly startupSec: number;
  /** The resolved `time_quantum_us`. */
  readonly timeQuantumUs: number;
  /** The entries of one type, in file order. */
  entriesOf(type: NodeType): readonly NodeEntry[];
  /**
   * Looks up a name (at `path`) that must denote a node able to receive messages;
   * undefined after reporting an unknown name or a node that cannot receive.
   */
  receiver(name: string, path: readonly PathSegment[]): NameMeaning | undefined;
}

/**
 * Makes member `base` of an entry; one call per member of a `count` group. A
 * builder spells out every field in one literal (`id: base.id, ...`) rather than
 * spreading `base`: with a spread, V8 builds each of a million group members the
 * slow way (measured: several times slower, mostly in the garbage collector).
 */
export type NodeBuilder<T extends NodeType> = (base: ResolvedNodeBase) => ResolvedNodeOf<T>;

/**
 * One row of the table of node kinds (`NODE_KINDS`): everything sim knows about a
 * node type outside the code that runs its nodes.
 */
export interface NodeKind<T extends NodeType> {
  /** How its nodes run (see NodeRuns); `serviceWhen` may make one entry a service instead. */
  readonly runs: NodeRuns;
  /**
   * When an entry of a launched type is a service rather than an external node, and
   * how a problem says so. `input` is the entry as written, which may have failed the
   * schema: compare its values, do not trust their types.
   */
  readonly serviceWhen?: {
    test(input: Readonly<Record<string, unknown>>): boolean;
    /** Completes "the docker node "x", which ...". */
    because: string;
    hint: string;
  };
  /** Whether other nodes may send to it (`target`, `upstream`); a service never receives. */
  readonly receives: boolean;
  /** Its definition under `$defs` in schema.json; the schema's `type` enum and one if/then branch point to it. */
  readonly schema: `${T}_node`;
  /** Keys of its entry that name a receiver: checked even when the entry has other errors. */
  readonly references: readonly string[];
  /** Values of the keys a scenario may leave out (`SCENARIO_DEFAULTS.<type>`); keys without a value here default to "none". */
  readonly defaults: Readonly<Record<string, unknown>>;
  /**
   * Where the program an external node is started with is written: the list of its
   * arguments and whether `env` is passed too, for the limits of `checkNodeLimits`.
   */
  readonly command?: { readonly args: readonly string[]; readonly env: boolean };
  /**
   * The latency series its nodes record (`latency_ms.<series>` in summary.json), so
   * that a sweep's default metrics include them without a list of types elsewhere.
   */
  readonly latencySeries?: readonly string[];
  /** The `ml_inference.placement` at which its nodes run the model. */
  readonly runsModelAt?: "edge" | "cloud";
  /**
   * Resolves an entry that passed the schema: returns how to build each member, or
   * undefined after adding the problem that prevents it to `ctx.problems`.
   */
  resolve(entry: NodeEntry, input: NodeInputOf<T>, ctx: KindContext): NodeBuilder<T> | undefined;
  /** Files and folders a node refers to (relative paths already made absolute). */
  files?(node: ResolvedNodeOf<T>): NodeFile[];
  /** A check across every resolved node of the type (gateway upstream cycles). */
  checkAll?(nodes: readonly ResolvedNodeOf<T>[], ctx: ResolveContext): void;
}
