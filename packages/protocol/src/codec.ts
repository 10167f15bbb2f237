/**
 * Encoding and strict validation of protocol lines. Dependency-free (the SDK uses it).
 *
 * Node -> coordinator messages are validated strictly, unknown keys included: a typo
 * in an optional field must not pass silently. Coordinator -> node messages ignore
 * unknown keys, so that a newer coordinator can add fields within a major version
 * without breaking older nodes.
 */
import {
  LOG_LEVELS,
  type CoordinatorMessage,
  type LogLevel,
  type NodeMessage,
} from "./messages.js";

/** Result of decoding one line: the message, or why it is not one. */
export type DecodeResult<M> = { ok: true; message: M } | { ok: false; reason: string };

/** One line of NDJSON (with its trailing newline). */
export function encodeMessage(message: CoordinatorMessage | NodeMessage): string {
  return JSON.stringify(message) + "\n";
}

type Json = Record<string, unknown>;

const NODE_KEYS: Record<NodeMessage["type"], ReadonlySet<string>> = {
  ready: new Set(["type", "protocol"]),
  send: new Set(["type", "at_us", "to", "payload", "size_bytes"]),
  log: new Set(["type", "level", "msg"]),
  done: new Set(["type", "now_us"]),
};

const LEVELS: ReadonlySet<string> = new Set(LOG_LEVELS);

function parseObject(line: string): Json | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return `not valid JSON (${(err as Error).message})`;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return "not a JSON object";
  }
  return value as Json;
}

function isTimeUs(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

/** Reason why `obj[key]` is not an integer number of microseconds, or null. */
function checkTime(obj: Json, key: string): string | null {
  const v = obj[key];
  if (v === undefined) return `missing "${key}"`;
  return isTimeUs(v) ? null : `"${key}" must be a non-negative integer (microseconds), got ${JSON.stringify(v)}`;
}

function checkString(obj: Json, key: string): string | null {
  const v = obj[key];
  if (v === undefined) return `missing "${key}"`;
  return typeof v === "string" && v.length > 0 ? null : `"${key}" must be a non-empty string, got ${JSON.stringify(v)}`;
}

function checkVersion(obj: Json): string | null {
  const v = obj.protocol;
  if (v === undefined) return `missing "protocol"`;
  return typeof v === "number" && Number.isSafeInteger(v) && v > 0
    ? null
    : `"protocol" must be a positive integer (the major version), got ${JSON.stringify(v)}`;
}

const DONE_PREFIX = '{"type":"done","now_us":';
const ADVANCE_PREFIX = '{"type":"advance","until_us":';

/**
 * The integer in `line` between `prefix` and a closing `}`, when the line is exactly
 * that (the form the SDK and the coordinator write); else -1. Saves a JSON.parse on
 * the two lines every node exchanges every quantum.
 */
function fastTime(line: string, prefix: string): number {
  const end = line.length - 1;
  if (end - prefix.length > 15 || end <= prefix.length || line.charCodeAt(end) !== 125 || !line.startsWith(prefix)) return -1;
  let n = 0;
  for (let i = prefix.length; i < end; i++) {
    const d = line.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  // A leading zero is not valid JSON; let the full parser report it.
  return line.charCodeAt(prefix.length) === 48 && end - prefix.length > 1 ? -1 : n;
}

/** Decodes and validates one line written by a node. */
export function decodeNodeMessage(line: string): DecodeResult<NodeMessage> {
  const now = fastTime(line, DONE_PREFIX);
  if (now >= 0) return { ok: true, message: { type: "done", now_us: now } };
  const obj = parseObject(line);
  if (typeof obj === "string") return { ok: false, reason: obj };
  const type = obj.type;
  if (typeof type !== "string" || !Object.hasOwn(NODE_KEYS, type)) {
    return { ok: false, reason: `unknown message type ${JSON.stringify(type)} (expected ready, send, log or done)` };
  }
  const allowed = NODE_KEYS[type as NodeMessage["type"]];
  for (const key in obj) {
    if (!allowed.has(key)) return { ok: false, reason: `unknown key "${key}" in a "${type}" message` };
  }
  let reason: string | null = null;
  switch (type) {
    case "ready":
      reason = checkVersion(obj);
      break;
    case "send":
      reason = checkTime(obj, "at_us") ?? checkString(obj, "to");
      if (reason === null && !("payload" in obj)) reason = `missing "payload"`;
      if (reason === null && obj.size_bytes !== undefined && !isTimeUs(obj.size_bytes)) {
        reason = `"size_bytes" must be a non-negative integer, got ${JSON.stringify(obj.size_bytes)}`;
      }
      break;
    case "log":
      if (typeof obj.level !== "string" || !LEVELS.has(obj.level)) {
        reason = `"level" must be one of ${LOG_LEVELS.join(", ")}, got ${JSON.stringify(obj.level)}`;
      } else if (typeof obj.msg !== "string") {
        reason = `"msg" must be a string, got ${JSON.stringify(obj.msg)}`;
      }
      break;
    case "done":
      reason = checkTime(obj, "now_us");
      break;
  }
  return reason === null ? { ok: true, message: obj as unknown as NodeMessage } : { ok: false, reason };
}

/** Decodes and validates one line written by the coordinator (unknown keys are ignored). */
export function decodeCoordinatorMessage(line: string): DecodeResult<CoordinatorMessage> {
  const until = fastTime(line, ADVANCE_PREFIX);
  if (until >= 0) return { ok: true, message: { type: "advance", until_us: until } };
  const obj = parseObject(line);
  if (typeof obj === "string") return { ok: false, reason: obj };
  let reason: string | null = null;
  switch (obj.type) {
    case "init":
      reason =
        checkVersion(obj) ??
        checkString(obj, "node_id") ??
        (typeof obj.seed === "number" && Number.isSafeInteger(obj.seed) ? null : `"seed" must be an integer`) ??
        checkTime(obj, "time_quantum_us") ??
        (typeof obj.config === "object" && obj.config !== null && !Array.isArray(obj.config)
          ? null
          : `"config" must be an object`);
      break;
    case "deliver":
      reason = checkTime(obj, "at_us") ?? checkString(obj, "from") ?? checkTime(obj, "size_bytes");
      if (reason === null && !("payload" in obj)) reason = `missing "payload"`;
      break;
    case "advance":
      reason = checkTime(obj, "until_us");
      break;
    case "shutdown":
      break;
    default:
      reason = `unknown message type ${JSON.stringify(obj.type)} (expected init, deliver, advance or shutdown)`;
  }
  return reason === null ? { ok: true, message: obj as unknown as CoordinatorMessage } : { ok: false, reason };
}

/** True when `level` is a protocol log level. */
export function isLogLevel(level: string): level is LogLevel {
  return LEVELS.has(level);
}

/** The first `max` characters of a line, for error messages. */
export function excerpt(line: string, max = 200): string {
  return line.length <= max ? line : `${line.slice(0, max)}… (${line.length} chars)`;
}
