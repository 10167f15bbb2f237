import { execFileSync } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { contextEntries, packContext } from "./build-context.js";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sim-ctx-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function put(rel: string, content: string): Promise<void> {
  await mkdir(join(dir, rel, ".."), { recursive: true });
  await writeFile(join(dir, rel), content);
}

describe("contextEntries", () => {
  it("honours .dockerignore but always sends the Dockerfile and .dockerignore", async () => {
    await put("Dockerfile", "FROM scratch\n");
    await put(".dockerignore", "Dockerfile\n.dockerignore\n*.secret\nbuild\n!build/keep.txt\n");
    await put("app.txt", "app");
    await put("key.secret", "no");
    await put("build/out.bin", "no");
    await put("build/keep.txt", "yes");
    const names = (await contextEntries(dir, "Dockerfile")).map((e) => `${e.type}:${e.name}`);
    expect(names).toEqual(["file:.dockerignore", "file:Dockerfile", "file:app.txt", "file:build/keep.txt"]);
  });

  it("walks nothing of an ignored folder when no pattern re-includes", async () => {
    await put("Dockerfile", "FROM scratch\n");
    await put(".dockerignore", "node_modules\n");
    await put("node_modules/x/index.js", "x");
    await put("src/index.js", "y");
    const names = (await contextEntries(dir, "Dockerfile")).map((e) => e.name);
    expect(names).toEqual([".dockerignore", "Dockerfile", "src", "src/index.js"]);
  });
});

describe("packContext", () => {
  it("writes an archive that GNU tar reads back byte for byte, long names and symlinks included", async () => {
    const longDir = "d".repeat(90) + "/" + "e".repeat(90);
    const longest = "f".repeat(120) + "/" + "g".repeat(150) + ".txt";
    await put("Dockerfile", "FROM scratch\n");
    await put(`${longDir}/file.txt`, "long path\n");
    await put(longest, "very long path\n");
    await put("empty", "");
    await put("odd.bin", "x".repeat(513));
    await symlink("odd.bin", join(dir, "link"));
    const archive = join(dir, "..", `${dir.split("/").pop()}.tar`);
    const out = await mkdtemp(join(tmpdir(), "sim-ctx-out-"));
    try {
      const { stream } = await packContext(dir, "Dockerfile");
      await pipeline(stream, createWriteStream(archive));
      const listing = execFileSync("tar", ["-tf", archive], { encoding: "utf8" }).trim().split("\n").sort();
      expect(listing).toContain(`${longDir}/file.txt`);
      expect(listing).toContain(longest);
      execFileSync("tar", ["-xf", archive, "-C", out]);
      expect(await readFile(join(out, longest), "utf8")).toBe("very long path\n");
      expect(await readFile(join(out, longDir, "file.txt"), "utf8")).toBe("long path\n");
      expect(await readFile(join(out, "odd.bin"), "utf8")).toBe("x".repeat(513));
      expect(await readFile(join(out, "empty"), "utf8")).toBe("");
      expect(await readlink(join(out, "link"))).toBe("odd.bin");
    } finally {
      await rm(out, { recursive: true, force: true });
      await rm(archive, { force: true });
    }
  });
});
