import { SCENARIO_LIMITS } from "./limits.js";
import { nodeKind } from "./node-kinds.js";
import { memberId } from "./node-names.js";
import type { NodeEntry } from "./node-names.js";
import type { PathSegment } from "./positions.js";
import { describePath, quote } from "./problem.js";
import type { ResolveContext } from "./resolve-context.js";

// The schema's node_id pattern: an id that fails it is already reported.
const NODE_ID = /^[A-Za-z][A-Za-z0-9_.-]*$/;

/**
 * Limits the schema cannot express, checked once per entry (not per member of a
 * group): the length of node ids once `count` groups are expanded, and the size of
 * what an external node's program is started with. Past them a run would fail only
 * when it spawns the program (E2BIG) or names a log file (ENAMETOOLONG).
 */
export function checkNodeLimits(ctx: ResolveContext, entries: readonly NodeEntry[]): void {
  for (const entry of entries) {
    checkIdLength(ctx, entry);
    const command = entry.type === null ? undefined : nodeKind(entry.type).command;
    if (command !== undefined) checkCommand(ctx, entry, command.args, command.env);
  }
}

function checkIdLength(ctx: ResolveContext, entry: NodeEntry): void {
  const max = SCENARIO_LIMITS.maxNodeIdLength;
  if (!NODE_ID.test(entry.key)) return;
  // The last member has the longest id: `<group>_<count - 1>`.
  const longest = memberId(entry, entry.size - 1);
  if (longest.length <= max) return;
  const hint = "ids become container host names and log file names; shorten it";
  if (!entry.grouped) {
    ctx.problems.add({ code: "id-too-long", path: ["nodes", entry.key], at: "key", message: `node id ${quote(entry.key)} is ${entry.key.length} characters long; the limit is ${max}`, hint });
    return;
  }
  const room = max - (longest.length - entry.key.length);
  ctx.problems.add({
    code: "id-too-long",
    path: ["nodes", entry.key],
    at: "key",
    message: `the group ${quote(entry.key)} (count: ${entry.size}) has member ids of up to ${longest.length} characters (${quote(longest)}); the limit is ${max}`,
    hint: `member ids are <group>_<index>: shorten the group's name to at most ${room} characters`,
  });
}

/**
 * Each argument at most `maxArgumentBytes`; arguments and environment together at
 * most `maxCommandBytes`; no NUL characters (a C string ends at one), no `=` in an
 * environment variable's name.
 */
function checkCommand(ctx: ResolveContext, entry: NodeEntry, key: readonly string[], hasEnv: boolean): void {
  const node: PathSegment[] = ["nodes", entry.key];
  const argsPath = [...node, ...key];
  const envPath = [...node, "env"];
  const list = ctx.isClean(argsPath) ? valueAt(entry.input, key) : undefined;
  const args: unknown[] = Array.isArray(list) ? list : [];
  const env = hasEnv && ctx.isClean(envPath) ? stringMap(entry.input.env) : [];
  let total = 0;
  args.forEach((arg, i) => {
    if (typeof arg !== "string") return;
    const path = [...argsPath, i];
    const bytes = Buffer.byteLength(arg, "utf8");
    total += bytes + 1;
    if (bytes > SCENARIO_LIMITS.maxArgumentBytes) {
      ctx.problems.add({
        code: "argument-too-long",
        path,
        message: `${describePath(path)} is ${bytes} bytes long; the limit for one argument is ${SCENARIO_LIMITS.maxArgumentBytes} bytes`,
        hint: "pass large data in a file, or in the node's `config:` (sent in the protocol's init message)",
      });
    } else if (arg.includes("\u0000")) {
      ctx.problems.add({ code: "bad-value", path, message: `${describePath(path)} contains a NUL character, which a program's arguments cannot hold` });
    }
  });
  for (const [name, value] of env) {
    const path = [...envPath, name];
    total += Buffer.byteLength(name, "utf8") + 1 + Buffer.byteLength(value, "utf8") + 1;
    if (name === "" || name.includes("=") || name.includes("\u0000")) {
      ctx.problems.add({ code: "bad-value", path, at: "key", message: `environment variable name ${quote(name)} in ${describePath(envPath)} must be non-empty, without "=" or NUL characters` });
    } else if (value.includes("\u0000")) {
      ctx.problems.add({ code: "bad-value", path, message: `${describePath(path)} contains a NUL character, which an environment variable cannot hold` });
    }
  }
  if (total > SCENARIO_LIMITS.maxCommandBytes) {
    const what = hasEnv ? "command and environment" : "arguments";
    ctx.problems.add({
      code: "command-too-large",
      path: node,
      at: "key",
      message: `the ${what} of ${describePath(node)} take ${total} bytes; the limit is ${SCENARIO_LIMITS.maxCommandBytes} bytes (${SCENARIO_LIMITS.maxCommandBytes / 1024} KiB)`,
      hint: "pass large data in a file, or in the node's `config:` (sent in the protocol's init message)",
    });
  }
}

function valueAt(input: Record<string, unknown>, key: readonly string[]): unknown {
  let value: unknown = input;
  for (const k of key) value = value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>)[k] : undefined;
  return value;
}

function stringMap(value: unknown): [string, string][] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [];
  return Object.entries(value as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === "string");
}
