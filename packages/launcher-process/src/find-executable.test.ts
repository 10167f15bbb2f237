import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findExecutable } from "./find-executable.js";

describe("findExecutable", () => {
  const dir = mkdtempSync(join(tmpdir(), "sim-exe-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "run.sh"), "#!/bin/sh\n");
  chmodSync(join(dir, "run.sh"), 0o755);
  writeFileSync(join(dir, "data.txt"), "x");

  it("finds a name on PATH", async () => {
    expect(await findExecutable("run.sh", "/", `/nonexistent:${dir}`)).toBe(join(dir, "run.sh"));
    expect(await findExecutable("sh", "/", process.env.PATH)).not.toBeNull();
  });

  it("resolves a path relative to cwd and requires the execute bit", async () => {
    expect(await findExecutable("./run.sh", dir, "")).toBe(join(dir, "run.sh"));
    expect(await findExecutable("./data.txt", dir, "")).toBeNull();
    expect(await findExecutable("./missing", dir, "")).toBeNull();
    expect(await findExecutable(dir, "/", "")).toBeNull();
  });

  it("does not look on PATH for a name that is not there", async () => {
    expect(await findExecutable("no-such-program-sim", "/", process.env.PATH)).toBeNull();
  });
});
