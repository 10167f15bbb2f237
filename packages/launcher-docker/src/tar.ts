/**
 * A Docker build context as a tar stream, written by `tar-stream` (ustar, with
 * PAX headers for long or non-ASCII names): regular files, folders and symlinks,
 * owned by root as the Docker CLI sends them. The bytes depend only on the
 * entries given (names, modes, mtimes, contents, order).
 */
import { createReadStream } from "node:fs";
import { PassThrough, Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import tar from "tar-stream";

export interface TarEntry {
  /** Path inside the archive, "/"-separated, no leading "./"; folders without a trailing "/". */
  name: string;
  type: "file" | "directory" | "symlink";
  /** Permission bits (e.g. 0o644). */
  mode: number;
  mtimeSec: number;
  /** Bytes of a regular file; 0 otherwise. */
  size: number;
  /** Absolute path the content of a regular file is read from. */
  source?: string;
  /** Target of a symlink. */
  linkname?: string;
}

/** The largest size the 11-digit octal field holds (8 GiB - 1); tar-stream would write a wrong size above it. */
const MAX_OCTAL_SIZE = 0o77777777777;

/** Exactly `entry.size` bytes: tar-stream fails the archive on any other count. */
async function* fileContent(entry: TarEntry): AsyncGenerator<Buffer> {
  let written = 0;
  if (entry.size > 0 && entry.source !== undefined) {
    for await (const chunk of createReadStream(entry.source) as AsyncIterable<Buffer>) {
      // A file that grew while being read is cut at the size its header announced.
      const part = chunk.subarray(0, Math.max(0, entry.size - written));
      written += part.length;
      if (part.length > 0) yield part;
      if (written >= entry.size) break;
    }
  }
  // A file that shrank is padded, so the archive stays well-formed.
  if (written < entry.size) yield Buffer.alloc(entry.size - written);
}

function header(entry: TarEntry): tar.Headers {
  if (entry.size > MAX_OCTAL_SIZE) {
    throw new RangeError(`${entry.name}: files over 8 GiB are not supported in a build context`);
  }
  return {
    name: entry.type === "directory" ? `${entry.name}/` : entry.name,
    type: entry.type,
    mode: entry.mode,
    uid: 0,
    gid: 0,
    mtime: new Date(entry.mtimeSec * 1000),
    size: entry.type === "file" ? entry.size : 0,
    linkname: entry.linkname ?? null,
  };
}

async function add(pack: tar.Pack, entry: TarEntry): Promise<void> {
  let sink: Writable | undefined;
  const written = new Promise<void>((resolve, reject) => {
    // entry() returns nothing once the archive was destroyed (its reader gave up).
    sink = pack.entry(header(entry), (error) => (error ? reject(error) : resolve())) as Writable | undefined;
  });
  if (sink === undefined) throw new Error("the build context stream was closed");
  if (entry.type !== "file") return written;
  // When reading the file fails, tar-stream only says "premature close": report the read error instead.
  written.catch(() => undefined);
  await pipeline(Readable.from(fileContent(entry)), sink);
  return written;
}

/** A tar archive of `entries`, in the order given, produced as it is read; a file that cannot be read fails the stream. */
export function tarStream(entries: readonly TarEntry[]): Readable {
  const pack = tar.pack();
  // tar-stream's own destroy(error) does not reach every reader as an error; this stream's does.
  const out = new PassThrough();
  pack.pipe(out);
  // A reader that gives up (a failed request) ends the packing too, and with it the open file.
  out.on("close", () => pack.destroy());
  (async () => {
    for (const entry of entries) await add(pack, entry);
    pack.finalize();
  })().catch((error: unknown) => {
    out.destroy(error instanceof Error ? error : new Error(String(error)));
    pack.destroy();
  });
  return out;
}
