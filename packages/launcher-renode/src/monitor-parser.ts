/**
 * Pure parsing of Renode's monitor as served over telnet (`renode --port P`):
 * telnet negotiation bytes, terminal escape sequences, echoed input, `\r\n`
 * line endings and the `(name) ` prompt that marks the end of every command.
 * No I/O here: the transport feeds bytes in, in whatever chunks the socket
 * delivers them.
 */
import type { TimeUs } from "@sim/coordinator";

const IAC = 0xff;
const SB = 0xfa;
const SE = 0xf0;
const WILL = 0xfb;
const DONT = 0xfe;

type TelnetState = "data" | "iac" | "option" | "sub" | "sub-iac";

/**
 * Removes telnet commands (`IAC DO x`, `IAC WILL x`, `IAC SB … IAC SE`, …) from
 * a byte stream. A command split across chunks is carried over to the next one.
 */
export class TelnetFilter {
  private state: TelnetState = "data";

  push(chunk: Uint8Array): Uint8Array {
    const out = new Uint8Array(chunk.length);
    let n = 0;
    for (const byte of chunk) {
      switch (this.state) {
        case "data":
          if (byte === IAC) this.state = "iac";
          else out[n++] = byte;
          break;
        case "iac":
          if (byte === IAC) {
            out[n++] = IAC; // IAC IAC is a literal 0xFF
            this.state = "data";
          } else if (byte >= WILL && byte <= DONT) this.state = "option";
          else if (byte === SB) this.state = "sub";
          else this.state = "data"; // a two-byte command (NOP, GA, …)
          break;
        case "option":
          this.state = "data";
          break;
        case "sub":
          if (byte === IAC) this.state = "sub-iac";
          break;
        case "sub-iac":
          this.state = byte === SE ? "data" : "sub";
          break;
      }
    }
    return out.subarray(0, n);
  }
}

type EscapeState = "text" | "esc" | "csi" | "osc" | "osc-esc";

/**
 * Removes terminal control sequences from text: CSI sequences
 * (`ESC [ params intermediates final`, the cursor movements `--plain` leaves in),
 * two-character escapes (`ESC 7`), OSC strings, and the characters `\r`, BEL
 * and NUL. A sequence split across chunks is carried over to the next one.
 */
export class EscapeFilter {
  private state: EscapeState = "text";

  push(text: string): string {
    let out = "";
    for (const ch of text) {
      const code = ch.charCodeAt(0);
      switch (this.state) {
        case "text":
          if (code === 0x1b) this.state = "esc";
          else if (ch !== "\r" && code !== 0x07 && code !== 0x00) out += ch;
          break;
        case "esc":
          if (ch === "[") this.state = "csi";
          else if (ch === "]") this.state = "osc";
          else this.state = "text"; // ESC + one character
          break;
        case "csi":
          // Parameter and intermediate bytes continue the sequence, a byte in
          // @..~ ends it; anything else ends a malformed one and is kept.
          if (code >= 0x20 && code <= 0x3f) break;
          this.state = "text";
          if (code < 0x40 || code > 0x7e) out += ch;
          break;
        case "osc":
          if (code === 0x07) this.state = "text";
          else if (code === 0x1b) this.state = "osc-esc";
          break;
        case "osc-esc":
          this.state = ch === "\\" ? "text" : "osc";
          break;
      }
    }
    return out;
  }
}

/** What the monitor printed for one command, up to and without the prompt that ended it. */
export interface MonitorReply {
  /** Name inside the prompt that ended the reply: `monitor` or the current machine. */
  prompt: string;
  /** Cleaned text before the prompt (echo of the command included), `\n` line ends. */
  text: string;
}

// The prompt is a whole last line `(name) ` with nothing after it: the monitor
// prints it only when the previous command has returned.
const PROMPT_AT_END = /(?:^|\n)\(([^()\n]+)\) $/;

/**
 * Turns the monitor's byte stream into replies. Feed it chunks as they arrive;
 * `takeReply()` returns a reply once the cleaned text ends with a prompt.
 */
export class MonitorOutputParser {
  private readonly telnet = new TelnetFilter();
  private readonly decoder = new TextDecoder("utf-8");
  private readonly escapes = new EscapeFilter();
  private text = "";

  feed(chunk: Uint8Array): void {
    const data = this.telnet.push(chunk);
    this.text += this.escapes.push(this.decoder.decode(data, { stream: true }));
  }

  /** The reply completed so far, consumed; null while no prompt ends the text. */
  takeReply(): MonitorReply | null {
    const match = PROMPT_AT_END.exec(this.text);
    if (match === null) return null;
    const end = match.index + (match[0].startsWith("\n") ? 1 : 0);
    const reply = { prompt: match[1] ?? "", text: this.text.slice(0, end) };
    this.text = "";
    return reply;
  }

  /** Text received since the last reply (for error messages). */
  pending(): string {
    return this.text;
  }
}

// Plain-text failures of the monitor (it has no status codes). Each marks the
// command that printed it as failed.
const ERROR_PATTERNS: readonly RegExp[] = [
  /^No such command or device: /,
  /^There was an error executing command/,
  /^Could not tokenize here:/,
  /^Bad parameters for command/,
  /^Parameters did not match the signature/,
  / does not provide a field, method or property /,
  /^Error E\d+:/,
];

/** A command's output, echo removed. */
export interface CommandOutput {
  lines: string[];
  /** The first line reporting a failure, or null. */
  error: string | null;
}

/**
 * Splits a reply into output lines and finds a reported failure. The monitor
 * echoes what was typed, so the first line (ending with the command) is dropped.
 */
export function interpretReply(command: string, text: string): CommandOutput {
  const lines = text.split("\n");
  const typed = command.trim();
  if (typed.length > 0 && lines.length > 0 && (lines[0] ?? "").trimEnd().endsWith(typed)) lines.shift();
  const output = lines.map((line) => line.trimEnd()).filter((line) => line.length > 0);
  const error = output.find((line) => ERROR_PATTERNS.some((pattern) => pattern.test(line))) ?? null;
  return { lines: output, error };
}

const CURRENT_TIME = /Current virtual time:\s*(?:(\d+)\.)?(\d+):(\d{2}):(\d{2})(?:\.(\d+))?/;

/** Parses `currentTime` output (`Current virtual time: 00:00:00.010000000`) into µs; null if absent. */
export function parseCurrentTime(lines: readonly string[]): TimeUs | null {
  for (const line of lines) {
    const m = CURRENT_TIME.exec(line);
    if (m === null) continue;
    const [, days = "0", hours = "0", minutes = "0", seconds = "0", fraction = ""] = m;
    const micros = Number((fraction + "000000").slice(0, 6));
    const wholeSeconds = ((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60 + Number(seconds);
    return wholeSeconds * 1_000_000 + micros;
  }
  return null;
}

/**
 * Virtual time as decimal seconds with six decimals (`10000` -> `"0.010000"`),
 * computed with integers only. Renode's time parser is not anchored: `"10ms"`
 * reads as 10 seconds, so a unit must never be written.
 */
export function formatSeconds(us: TimeUs): string {
  if (!Number.isSafeInteger(us) || us < 0) throw new RangeError(`virtual time must be a non-negative integer of µs, got ${us}`);
  return `${Math.floor(us / 1_000_000)}.${String(us % 1_000_000).padStart(6, "0")}`;
}

/**
 * Why `path` cannot be passed to the monitor as a path token, or null. The
 * monitor's `@path` token ends at whitespace (a space may be escaped as `\ `)
 * and at `;`, which separates commands.
 */
export function monitorPathProblem(path: string): string | null {
  if (path.includes(";")) return "contains ';', which Renode's monitor reads as the end of a command";
  if (path.includes("\\")) return "contains '\\', which Renode's monitor reads as an escape";
  if (/[^\S ]/.test(path)) return "contains a tab, newline or other whitespace that Renode's monitor cannot read in a path";
  return null;
}

/** A path as a monitor `@path` token. Throws for a path `monitorPathProblem` rejects. */
export function monitorPath(path: string): string {
  const problem = monitorPathProblem(path);
  if (problem !== null) throw new RangeError(`path ${JSON.stringify(path)} ${problem}`);
  return `@${path.replaceAll(" ", "\\ ")}`;
}
