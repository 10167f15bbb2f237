// Records a real session between the coordinator side and the Python reference node
// and checks it against the transcript in docs/protocol.md, so that the documentation
// shows what the code does. UPDATE_DOCS=1 rewrites the transcript in the doc.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { createProtocolNode, type NodeExit } from "./protocol-node.js";

const DOC = fileURLToPath(new URL("../../../docs/protocol.md", import.meta.url));
const PYTHON_NODE = fileURLToPath(new URL("../../../examples/nodes/python/", import.meta.url));
const START = "<!-- transcript:start -->";
const END = "<!-- transcript:end -->";

it("the transcript in docs/protocol.md is a real session with the Python reference node", async () => {
  const child = spawn("python3", ["echo_node.py"], { cwd: PYTHON_NODE, stdio: ["pipe", "pipe", "pipe"] });
  const transcript: string[] = [];
  const toNode = new PassThrough();
  const fromNode = new PassThrough();
  toNode.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n").filter(Boolean)) transcript.push(`→ ${line}`);
    child.stdin.write(chunk);
  });
  toNode.on("end", () => child.stdin.end());
  child.stdout.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n").filter(Boolean)) transcript.push(`← ${line}`);
    fromNode.write(chunk);
  });
  const exited = new Promise<NodeExit>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const node = createProtocolNode({
    id: "echo",
    type: "process",
    stdin: toNode,
    stdout: fromNode,
    config: { processing_us: 1500 },
    quantumWallMs: 10_000,
    exited,
  });

  await node.start({ seed: 42, timeQuantumUs: 10_000 });
  const q1 = await node.advance(10_000, [{ from: "sensor_1", atUs: 2_500, payload: { celsius: 21.5 }, sizeBytes: 16 }]);
  const q2 = await node.advance(20_000, [{ from: "sensor_1", atUs: 19_000, payload: { celsius: 21.7 }, sizeBytes: 16 }]);
  const q3 = await node.advance(30_000, []);
  await node.shutdown();
  expect(await exited).toEqual({ code: 0, signal: null });
  expect([q1, q2, q3].map((q) => q.map((m) => m.atUs))).toEqual([[4_000], [], [20_500]]);

  const block = ["```text", ...transcript, "```"].join("\n");
  const doc = readFileSync(DOC, "utf8");
  const [before, rest] = doc.split(START);
  const after = rest?.split(END)[1];
  if (process.env.UPDATE_DOCS === "1") {
    writeFileSync(DOC, `${before}${START}\n${block}\n${END}${after}`);
  } else {
    expect(rest, `docs/protocol.md has no ${START} marker`).toBeDefined();
    expect(rest!.split(END)[0]!.trim()).toBe(block);
  }
});
