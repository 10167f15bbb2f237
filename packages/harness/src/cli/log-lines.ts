/**
 * How the CLI shows sim's log records (pino JSON) to a person: without --verbose,
 * one plain line per warning or error — no JSON, no stack trace — and nothing for
 * a node's failure, which the summary reports with its last output and log file;
 * with --verbose, every record as a readable line, stack traces included.
 */
import { pino, type Logger } from "pino";

const LEVEL_NAMES: Record<number, string> = { 10: "trace", 20: "debug", 30: "info", 40: "warning", 50: "error", 60: "fatal" };

/** Messages the end-of-run summary already reports in full. */
const IN_THE_SUMMARY = new Set(["node failed", "run failed"]);

interface LogRecord {
  level: number;
  msg?: string;
  node?: string;
  err?: { message?: string; stack?: string };
  [key: string]: unknown;
}

export function cliLogger(verbose: boolean, write: (text: string) => void): Logger {
  return pino({ level: verbose ? "debug" : "warn", base: undefined, timestamp: false }, { write: (line: string) => write(formatRecord(line, verbose)) });
}

export function formatRecord(line: string, verbose: boolean): string {
  let record: LogRecord;
  try {
    record = JSON.parse(line) as LogRecord;
  } catch {
    return line;
  }
  const level = LEVEL_NAMES[record.level] ?? String(record.level);
  const { level: _level, msg, node, err, ...fields } = record;
  if (!verbose) {
    if (msg !== undefined && IN_THE_SUMMARY.has(msg)) return "";
    const reason = err?.message ? `: ${err.message.split("\n")[0]}` : "";
    return `sim: ${level}: ${node ? `node "${node}": ` : ""}${msg ?? ""}${reason}\n`;
  }
  const extra = Object.entries(fields)
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(" ");
  // A message or value over several lines (a build's output) continues indented, so
  // that every line still starts with "[level]" or blanks, never with the text itself.
  const head = `[${level}] ${node ? `node "${node}": ` : ""}${msg ?? ""}${extra ? ` ${extra}` : ""}`.replace(/\r?\n/g, "\n    ");
  const stack = err ? `\n    ${(err.stack ?? err.message ?? "").split("\n").join("\n    ")}` : "";
  return `${head}${stack}\n`;
}
