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
  MAX_PAYLOAD_DEPTH,
  type CoordinatorMessage,
  type LogLevel,
  type NodeMessage,
} from "./messages.js";

/**
 * Why a line was refused (the `ProtocolFailureKind` a node fails with):
 * `payload-too-deep` when it nests arrays and objects deeper than `MAX_PAYLOAD_DEPTH`,
 * else `invalid-message`.
 */
export type DecodeFailureKind = "invalid-message" | "payload-too-deep";

/** Result of decoding one line: the message, or why it is not one. */
export type DecodeResult<M> = { ok: true; message: M } | { ok: false; kind: DecodeFailureKind; reason: string };

type Failure = { ok: false; kind: DecodeFailureKind; reason: string };

/** One line of NDJSON (with its trailing newline). */
export function encodeMessage(message: CoordinatorMessage | NodeMessage): string {
  return JSON.stringify(message) + "\n";
}

/** The fields of a `deliver` line, as the coordinator hands them over (its `InboundMessage`). */
export interface DeliverFields {
  from: string;
  atUs: number;
  payload: unknown;
  sizeBytes: number;
  /** `JSON.stringify(payload)`, when the caller already has it. */
  payloadJson?: string;
}

/**
 * The `deliver` line of a message: the bytes `encodeMessage` writes for it, built by
 * hand (one per node and quantum on the lockstep path), with `payloadJson` when given.
 * A payload JSON cannot write (a function) is delivered as null.
 */
export function encodeDeliver(m: DeliverFields): string {
  const payload = m.payloadJson ?? JSON.stringify(m.payload ?? null) ?? "null";
  return `{"type":"deliver","at_us":${m.atUs},"from":${JSON.stringify(m.from)},"payload":${payload},"size_bytes":${m.sizeBytes}}\n`;
}

type Json = Record<string, unknown>;

const NODE_KEYS: Record<NodeMessage["type"], ReadonlySet<string>> = {
  ready: new Set(["type", "protocol"]),
  send: new Set(["type", "at_us", "to", "payload", "size_bytes"]),
  log: new Set(["type", "level", "msg"]),
  done: new Set(["type", "now_us"]),
};

const LEVELS: ReadonlySet<string> = new Set(LOG_LEVELS);

// The message object is level 1, so its payload reaches MAX_PAYLOAD_DEPTH + 1.
const MAX_LINE_DEPTH = MAX_PAYLOAD_DEPTH + 1;

/**
 * True when the JSON text nests arrays and objects more than `maxDepth` levels deep
 * (`[[1]]` is 2). Scans the text before JSON.parse builds anything: a 1 MiB line can
 * hold 500,000 levels, and everything that walks a value later (JSON.stringify,
 * structuredClone, the trace) recurses per level. For text that is not JSON the
 * answer means nothing, but the scan is safe. A payload is checked with
 * `nestsDeeperThan(text, MAX_PAYLOAD_DEPTH)`.
 */
export function nestsDeeperThan(text: string, maxDepth: number): boolean {
  // Each level takes two characters: a valid text this short cannot be too deep
  // (an invalid one is refused by JSON.parse, which does not recurse).
  if (text.length <= 2 * maxDepth) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // Skip a string: brackets inside it do not count.
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 92) i++;
        else if (d === 34) break;
      }
    } else if (c === 91 || c === 123) {
      if (++depth > maxDepth) return true;
    } else if (c === 93 || c === 125) {
      depth--;
    }
  }
  return false;
}

function nestsTooDeep(line: string): boolean {
  return nestsDeeperThan(line, MAX_LINE_DEPTH);
}

function invalid(reason: string): Failure {
  return { ok: false, kind: "invalid-message", reason };
}

/** The line as a JSON object, or why it is not one. */
function parseObject(line: string): { ok: true; obj: Json } | Failure {
  if (nestsTooDeep(line)) {
    return { ok: false, kind: "payload-too-deep", reason: `arrays and objects nested more than ${MAX_PAYLOAD_DEPTH} levels deep (the limit for a payload)` };
  }
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return invalid(`not valid JSON (${(err as Error).message})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return invalid("not a JSON object");
  }
  return { ok: true, obj: value as Json };
}

/** At most this many characters of a received value are quoted in a reason. */
const SHOWN_VALUE_CHARS = 80;

/**
 * A received value for a reason. JSON.parse reads a number too large for a double
 * (`1e400`) as Infinity, which JSON.stringify would print as `null`: such a number is
 * quoted as the node wrote it.
 */
function shown(value: unknown, key?: string, line?: string): string {
  if (typeof value === "number" && !Number.isFinite(value)) {
    const raw = key === undefined || line === undefined ? null : rawNumber(line, key);
    return `${raw ?? String(value)} (a number out of range)`;
  }
  const text = JSON.stringify(value) ?? String(value);
  return text.length <= SHOWN_VALUE_CHARS ? text : `${text.slice(0, SHOWN_VALUE_CHARS)}…`;
}

/** The text of the first number written for `key` in `line` that JSON reads as ±Infinity. */
function rawNumber(line: string, key: string): string | null {
  for (const m of line.matchAll(new RegExp(`"${key}"\\s*:\\s*(-?[0-9][0-9.eE+-]*)`, "g"))) {
    const text = m[1]!;
    if (!Number.isFinite(Number(text))) return text.length <= SHOWN_VALUE_CHARS ? text : `${text.slice(0, SHOWN_VALUE_CHARS)}…`;
  }
  return null;
}

function isTimeUs(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

/** Reason why `obj[key]` is not an integer number of microseconds, or null. */
function checkTime(obj: Json, key: string, line: string): string | null {
  const v = obj[key];
  if (v === undefined) return `missing "${key}"`;
  return isTimeUs(v) ? null : `"${key}" must be a non-negative integer (microseconds), got ${shown(v, key, line)}`;
}

function checkString(obj: Json, key: string, line: string): string | null {
  const v = obj[key];
  if (v === undefined) return `missing "${key}"`;
  return typeof v === "string" && v.length > 0 ? null : `"${key}" must be a non-empty string, got ${shown(v, key, line)}`;
}

function checkVersion(obj: Json, line: string): string | null {
  const v = obj.protocol;
  if (v === undefined) return `missing "protocol"`;
  return typeof v === "number" && Number.isSafeInteger(v) && v > 0
    ? null
    : `"protocol" must be a positive integer (the major version), got ${shown(v, "protocol", line)}`;
}

const DONE_PREFIX = '{"type":"done","now_us":';
const ADVANCE_PREFIX = '{"type":"advance","until_us":';

/** Where the last `uintAt` stopped. */
let uintEnd = 0;

/**
 * The integer written at `line[i]` the way JSON.stringify writes a safe one (digits,
 * no leading zero, at most 15 of them); -1 if there is none. Sets `uintEnd`.
 */
function uintAt(line: string, i: number): number {
  let n = 0;
  let j = i;
  for (; j < line.length && j - i <= 15; j++) {
    const d = line.charCodeAt(j) - 48;
    if (d < 0 || d > 9) break;
    n = n * 10 + d;
  }
  uintEnd = j;
  const digits = j - i;
  return digits === 0 || digits > 15 || (digits > 1 && line.charCodeAt(i) === 48) ? -1 : n;
}

/**
 * The integer in `line` between `prefix` and a closing `}`, when the line is exactly
 * that (the form the SDK and the coordinator write); else -1. Saves a JSON.parse on
 * the two lines every node exchanges every quantum.
 */
function fastTime(line: string, prefix: string): number {
  if (!line.startsWith(prefix) || line.charCodeAt(line.length - 1) !== 125) return -1;
  const n = uintAt(line, prefix.length);
  return uintEnd === line.length - 1 ? n : -1;
}

/** The fields of a `send` or `deliver` line read by `fastPayloadLine`. */
interface PayloadLine {
  atUs: number;
  /** `to` of a send, `from` of a deliver. */
  peer: string;
  payload: unknown;
  sizeBytes: number;
}

const SEND_HEAD = '{"type":"send","at_us":';
const SEND_PEER = ',"to":"';
const DELIVER_HEAD = '{"type":"deliver","at_us":';
const DELIVER_PEER = ',"from":"';
const PAYLOAD_KEY = '","payload":';
const SIZE_KEY = ',"size_bytes":';

/**
 * A send or deliver line in exactly the form the SDK and the coordinator write
 * (`{"type":"send","at_us":…,"to":"…","payload":…,"size_bytes":…}`, a peer id without
 * escapes), read without parsing the whole line and checking its keys: only the
 * payload goes through JSON.parse. Null when the line is anything else or anything is
 * wrong with it: the full parser then decides and explains. Whatever this accepts, the
 * full parser reads as the same message (tested on generated lines). The two lines
 * every node exchanges every quantum on the lockstep path are send and deliver.
 */
function fastPayloadLine(line: string, head: string, peerKey: string): PayloadLine | null {
  if (!line.startsWith(head)) return null;
  const atUs = uintAt(line, head.length);
  if (atUs < 0 || !line.startsWith(peerKey, uintEnd)) return null;
  const peerStart = uintEnd + peerKey.length;
  let i = peerStart;
  for (; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 34) break;
    if (c === 92 || c < 32) return null; // escapes and control characters: the full parser's job
  }
  if (i === peerStart || !line.startsWith(PAYLOAD_KEY, i)) return null;
  const payloadStart = i + PAYLOAD_KEY.length;
  const sizeAt = line.lastIndexOf(SIZE_KEY);
  if (sizeAt <= payloadStart || line.charCodeAt(line.length - 1) !== 125) return null;
  const sizeBytes = uintAt(line, sizeAt + SIZE_KEY.length);
  if (sizeBytes < 0 || uintEnd !== line.length - 1) return null;
  const raw = line.slice(payloadStart, sizeAt);
  if (nestsDeeperThan(raw, MAX_PAYLOAD_DEPTH)) return null;
  let payload: unknown;
  try {
    payload = JSON.parse(raw);
  } catch {
    return null;
  }
  return { atUs, peer: line.slice(peerStart, i), payload, sizeBytes };
}

/** Decodes and validates one line written by a node. */
export function decodeNodeMessage(line: string): DecodeResult<NodeMessage> {
  const now = fastTime(line, DONE_PREFIX);
  if (now >= 0) return { ok: true, message: { type: "done", now_us: now } };
  const send = fastPayloadLine(line, SEND_HEAD, SEND_PEER);
  if (send !== null) return { ok: true, message: { type: "send", at_us: send.atUs, to: send.peer, payload: send.payload, size_bytes: send.sizeBytes } };
  return decodeNodeMessageFully(line);
}

/** `decodeNodeMessage` without the fast forms: JSON.parse and every check (exported for the tests that compare the two). */
export function decodeNodeMessageFully(line: string): DecodeResult<NodeMessage> {
  const parsed = parseObject(line);
  if (!parsed.ok) return parsed;
  const obj = parsed.obj;
  const type = obj.type;
  if (typeof type !== "string" || !Object.hasOwn(NODE_KEYS, type)) {
    return invalid(`unknown message type ${shown(type, "type", line)} (expected ready, send, log or done)`);
  }
  const allowed = NODE_KEYS[type as NodeMessage["type"]];
  for (const key in obj) {
    if (!allowed.has(key)) return invalid(`unknown key ${shown(key)} in a "${type}" message`);
  }
  let reason: string | null = null;
  switch (type) {
    case "ready":
      reason = checkVersion(obj, line);
      break;
    case "send":
      reason = checkTime(obj, "at_us", line) ?? checkString(obj, "to", line);
      if (reason === null && !("payload" in obj)) reason = `missing "payload"`;
      if (reason === null && obj.size_bytes !== undefined && !isTimeUs(obj.size_bytes)) {
        reason = `"size_bytes" must be a non-negative integer, got ${shown(obj.size_bytes, "size_bytes", line)}`;
      }
      break;
    case "log":
      if (typeof obj.level !== "string" || !LEVELS.has(obj.level)) {
        reason = `"level" must be one of ${LOG_LEVELS.join(", ")}, got ${shown(obj.level, "level", line)}`;
      } else if (typeof obj.msg !== "string") {
        reason = `"msg" must be a string, got ${shown(obj.msg, "msg", line)}`;
      }
      break;
    case "done":
      reason = checkTime(obj, "now_us", line);
      break;
  }
  return reason === null ? { ok: true, message: obj as unknown as NodeMessage } : invalid(reason);
}

/** Decodes and validates one line written by the coordinator (unknown keys are ignored). */
export function decodeCoordinatorMessage(line: string): DecodeResult<CoordinatorMessage> {
  const until = fastTime(line, ADVANCE_PREFIX);
  if (until >= 0) return { ok: true, message: { type: "advance", until_us: until } };
  const d = fastPayloadLine(line, DELIVER_HEAD, DELIVER_PEER);
  if (d !== null) return { ok: true, message: { type: "deliver", at_us: d.atUs, from: d.peer, payload: d.payload, size_bytes: d.sizeBytes } };
  return decodeCoordinatorMessageFully(line);
}

/** `decodeCoordinatorMessage` without the fast forms (exported for the tests that compare the two). */
export function decodeCoordinatorMessageFully(line: string): DecodeResult<CoordinatorMessage> {
  const parsed = parseObject(line);
  if (!parsed.ok) return parsed;
  const obj = parsed.obj;
  let reason: string | null = null;
  switch (obj.type) {
    case "init":
      reason =
        checkVersion(obj, line) ??
        checkString(obj, "node_id", line) ??
        (typeof obj.seed === "number" && Number.isSafeInteger(obj.seed) ? null : `"seed" must be an integer`) ??
        checkTime(obj, "time_quantum_us", line) ??
        (typeof obj.config === "object" && obj.config !== null && !Array.isArray(obj.config)
          ? null
          : `"config" must be an object`);
      break;
    case "deliver":
      reason = checkTime(obj, "at_us", line) ?? checkString(obj, "from", line) ?? checkTime(obj, "size_bytes", line);
      if (reason === null && !("payload" in obj)) reason = `missing "payload"`;
      break;
    case "advance":
      reason = checkTime(obj, "until_us", line);
      break;
    case "shutdown":
      break;
    default:
      reason = `unknown message type ${shown(obj.type, "type", line)} (expected init, deliver, advance or shutdown)`;
  }
  return reason === null ? { ok: true, message: obj as unknown as CoordinatorMessage } : invalid(reason);
}

/** True when `level` is a protocol log level. */
export function isLogLevel(level: string): level is LogLevel {
  return LEVELS.has(level);
}

/** The first `max` characters of a line, for error messages. */
export function excerpt(line: string, max = 200): string {
  return line.length <= max ? line : `${line.slice(0, max)}… (${line.length} chars)`;
}
