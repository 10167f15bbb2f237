import { lstat, readdir, readFile, readlink } from "node:fs/promises";
import { join, posix } from "node:path";
import type { Readable } from "node:stream";
import { ignoreMatcher, parseDockerignore } from "./dockerignore.js";
import { tarStream, type TarEntry } from "./tar.js";

/**
 * The files of a build context that `.dockerignore` lets through, sorted by path
 * (so the same folder always gives the same archive). As the Docker CLI does, the
 * Dockerfile and `.dockerignore` are always sent, even when ignored.
 */
export async function contextEntries(contextDir: string, dockerfile: string): Promise<TarEntry[]> {
  let patterns: string[] = [];
  try {
    patterns = parseDockerignore(await readFile(join(contextDir, ".dockerignore"), "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const alwaysSent = [".dockerignore", posix.normalize(dockerfile.replace(/\\/g, "/"))];
  const matcher = ignoreMatcher([...patterns, ...alwaysSent.map((p) => `!${p}`)]);
  const entries: TarEntry[] = [];

  async function walk(relDir: string): Promise<void> {
    const names = (await readdir(join(contextDir, relDir))).sort();
    for (const name of names) {
      const rel = relDir === "" ? name : `${relDir}/${name}`;
      const abs = join(contextDir, rel);
      const stat = await lstat(abs);
      const ignored = matcher.ignores(rel);
      const base = { name: rel, mode: stat.mode & 0o7777, mtimeSec: Math.max(0, Math.floor(stat.mtimeMs / 1000)) };
      if (stat.isDirectory()) {
        // An ignored folder is still walked when a "!" pattern might re-include something inside.
        if (ignored && !matcher.mayReinclude(rel)) continue;
        if (!ignored) entries.push({ ...base, type: "directory", size: 0 });
        await walk(rel);
      } else if (ignored) {
        continue;
      } else if (stat.isFile()) {
        entries.push({ ...base, type: "file", size: stat.size, source: abs });
      } else if (stat.isSymbolicLink()) {
        entries.push({ ...base, type: "symlink", size: 0, linkname: await readlink(abs) });
      }
      // Sockets, FIFOs and devices are left out, as the Docker CLI does.
    }
  }

  await walk("");
  return entries;
}

/** The build context of `contextDir` as a tar stream, `.dockerignore` honoured. */
export async function packContext(contextDir: string, dockerfile: string): Promise<{ stream: Readable; entries: TarEntry[] }> {
  const entries = await contextEntries(contextDir, dockerfile);
  return { stream: tarStream(entries), entries };
}
