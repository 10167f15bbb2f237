import { execFileSync } from "node:child_process";
import { createWriteStream } from "node:fs";
import { createHash } from "node:crypto";
import { chmod, mkdir, mkdtemp, readFile, readlink, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import tar from "tar-stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { contextEntries, packContext } from "./build-context.js";
import { tarStream } from "./tar.js";

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

async function bytes(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

interface ReadEntry {
  name: string;
  type: string | null | undefined;
  mode: number | undefined;
  uid: number | undefined;
  gid: number | undefined;
  mtime: number | undefined;
  linkname: string | null | undefined;
  content: string;
}

/** The entries of a tar archive as tar-stream's reader sees them, in archive order. */
async function readTar(archive: Buffer): Promise<ReadEntry[]> {
  const out: ReadEntry[] = [];
  const extract = tar.extract();
  extract.on("entry", (h: tar.Headers, stream: Readable, next: () => void) => {
    void bytes(stream).then((content) => {
      out.push({ name: h.name, type: h.type, mode: h.mode, uid: h.uid, gid: h.gid, mtime: h.mtime?.getTime(), linkname: h.linkname, content: content.toString() });
      next();
    });
  });
  await pipeline(Readable.from([archive]), extract);
  return out;
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

  it("honours ** and folder patterns, sends a Dockerfile inside an ignored folder, and re-includes only below a folder a ! pattern names (as the Docker CLI)", async () => {
    await put("docker/Dockerfile.sim", "FROM scratch\n");
    await put("docker/notes.md", "no");
    await put(".dockerignore", "docker\n**/*.tmp\ncache/\n!cache/**/*.keep\n");
    await put("a.tmp", "no");
    await put("src/deep/b.tmp", "no");
    await put("src/deep/c.txt", "yes");
    await put("cache/x/old.bin", "no");
    await put("cache/x/y/z.keep", "no: the CLI does not enter cache/x for !cache/**/*.keep");
    await put("cache/top.keep", "yes");
    const names = (await contextEntries(dir, "docker/Dockerfile.sim")).map((e) => `${e.type}:${e.name}`);
    expect(names).toEqual([
      "file:.dockerignore",
      "file:cache/top.keep",
      "file:docker/Dockerfile.sim",
      "directory:src",
      "directory:src/deep",
      "file:src/deep/c.txt",
    ]);
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

describe("tarStream", () => {
  it("is deterministic: sorted entries owned by root, modes, mtimes and contents kept, the same bytes twice", async () => {
    await put("Dockerfile", "FROM scratch\n");
    await put("bin/run.sh", "#!/bin/sh\n");
    await chmod(join(dir, "bin/run.sh"), 0o750);
    await put("b.txt", "b");
    await put("a.txt", "a");
    await symlink("a.txt", join(dir, "z-link"));
    const when = new Date("2020-01-02T03:04:05Z");
    for (const rel of ["Dockerfile", "bin/run.sh", "bin", "b.txt", "a.txt"]) await utimes(join(dir, rel), when, when);
    const first = await bytes((await packContext(dir, "Dockerfile")).stream);
    const second = await bytes((await packContext(dir, "Dockerfile")).stream);
    expect(createHash("sha256").update(second).digest("hex")).toBe(createHash("sha256").update(first).digest("hex"));
    expect(first.length % 512).toBe(0);
    const read = await readTar(first);
    expect(read.map((e) => `${e.type}:${e.name}`)).toEqual(["file:Dockerfile", "file:a.txt", "file:b.txt", "directory:bin/", "file:bin/run.sh", "symlink:z-link"]);
    for (const e of read) expect([e.uid, e.gid]).toEqual([0, 0]);
    const byName = new Map(read.map((e) => [e.name, e]));
    expect(byName.get("bin/run.sh")).toMatchObject({ mode: 0o750, mtime: when.getTime(), content: "#!/bin/sh\n" });
    expect(byName.get("bin/")?.mtime).toBe(when.getTime());
    expect(byName.get("a.txt")?.content).toBe("a");
    expect(byName.get("z-link")?.linkname).toBe("a.txt");
  });

  it("keeps the archive well-formed when a file changes size between listing and packing", async () => {
    await put("Dockerfile", "FROM scratch\n");
    await put("grows", "1234");
    await put("shrinks", "123456");
    const entries = await contextEntries(dir, "Dockerfile");
    await writeFile(join(dir, "grows"), "123456789");
    await writeFile(join(dir, "shrinks"), "12");
    const read = await readTar(await bytes(tarStream(entries)));
    const byName = new Map(read.map((e) => [e.name, e.content]));
    expect(byName.get("grows")).toBe("1234");
    expect(byName.get("shrinks")).toBe("12\0\0\0\0");
  });

  it("fails the stream when a file cannot be read", async () => {
    await put("Dockerfile", "FROM scratch\n");
    await put("gone", "soon");
    const entries = await contextEntries(dir, "Dockerfile");
    await rm(join(dir, "gone"));
    await expect(bytes(tarStream(entries))).rejects.toThrow(/ENOENT/);
  });
});
