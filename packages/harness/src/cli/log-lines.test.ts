import { describe, expect, test } from "vitest";
import { cliLogger, formatRecord } from "./log-lines.js";

describe("the CLI's log lines", () => {
  test("--verbose: a pino record becomes [level] node \"x\": message key=value, its stack indented", () => {
    const lines: string[] = [];
    const logger = cliLogger(true, (text) => lines.push(text));
    logger.debug({ node: "gw", pid: 42, ports: [1, 2] }, "started");
    const error = new Error("boom");
    logger.error({ node: "gw", err: error }, "node failed");
    expect(lines[0]).toBe('[debug] node "gw": started pid=42 ports=[1,2]\n');
    expect(lines[1]!.split("\n")[0]).toBe('[error] node "gw": node failed');
    expect(lines[1]!.split("\n")[1]).toBe("    Error: boom");
    expect(lines[1]!.split("\n").slice(2, -1).every((line) => line.startsWith("    "))).toBe(true);
  });

  test("--verbose: a message or value over several lines continues indented, never as a line of its own", () => {
    const text = formatRecord(JSON.stringify({ level: 30, node: "web", msg: "build output", output: 'step 1\n{"stream":"done"}' }), true);
    expect(text).toBe('[info] node "web": build output output=step 1\n    {"stream":"done"}\n');
  });

  test("without --verbose: warnings and errors as one sim: line, nothing below warn, nothing the summary reports", () => {
    const lines: string[] = [];
    const logger = cliLogger(false, (text) => lines.push(text));
    logger.debug({ node: "gw" }, "started");
    logger.warn({ node: "gw", err: new Error("gone\nmore") }, "stopping a node failed");
    logger.error({ node: "gw" }, "node failed");
    expect(lines.filter((l) => l !== "")).toEqual(['sim: warning: node "gw": stopping a node failed: gone\n']);
  });
});
