// Test support: starts a program through a ProcessTree the way a launcher does.
import { spawn, type ChildProcess } from "node:child_process";
import { ProcessTree } from "../process-tree.js";
import type { Containment } from "../types.js";

export interface Spawned {
  tree: ProcessTree;
  child: ChildProcess;
}

export function spawnTree(command: string[], options: { runId: string; name: string; containment: Containment; killAfterMs?: number }): Spawned {
  const tree = new ProcessTree({ ...options, searchPath: process.env.PATH });
  const [file, ...args] = command;
  const { file: spawnFile, args: spawnArgs } = tree.command(file!, args);
  const child = spawn(spawnFile, spawnArgs, {
    detached: true,
    stdio: ["pipe", "pipe", "pipe", ...tree.stdio],
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...tree.environment },
  });
  tree.attach(child);
  // Drain output like a launcher (a full pipe would stall the program).
  child.stdout!.resume();
  child.stderr!.resume();
  return { tree, child };
}

/** Closes our ends of the program's stdio, as a launcher does after stopping it. */
export function closeStdio(child: ChildProcess): void {
  for (const stream of [child.stdin, child.stdout, child.stderr]) stream?.destroy();
}
