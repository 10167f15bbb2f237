/**
 * A small ustar writer (with PAX headers for long names), enough for a Docker
 * build context: regular files, folders and symlinks, owned by root as the Docker
 * CLI sends them.
 */
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";

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

const BLOCK = 512;
const TYPE_FLAG = { file: "0", symlink: "2", directory: "5" } as const;
/** The largest size an 11-digit octal field holds (8 GiB - 1). */
const MAX_OCTAL_SIZE = 0o77777777777;

function writeString(header: Buffer, offset: number, length: number, value: string): void {
  header.write(value, offset, length, "utf8");
}

function writeOctal(header: Buffer, offset: number, length: number, value: number): void {
  // length - 1 digits, then NUL.
  header.write(`${Math.floor(value).toString(8).padStart(length - 1, "0")}\0`, offset, length, "ascii");
}

function fitsUstar(name: string): { name: string; prefix: string } | null {
  if (Buffer.byteLength(name) <= 100) return { name, prefix: "" };
  // Split at a "/" so that prefix <= 155 bytes and name <= 100 bytes.
  for (let i = name.indexOf("/"); i !== -1; i = name.indexOf("/", i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest !== "") return { name: rest, prefix };
  }
  return null;
}

function header(fields: {
  name: string;
  prefix: string;
  mode: number;
  size: number;
  mtimeSec: number;
  typeflag: string;
  linkname: string;
}): Buffer {
  const h = Buffer.alloc(BLOCK);
  writeString(h, 0, 100, fields.name);
  writeOctal(h, 100, 8, fields.mode & 0o7777);
  writeOctal(h, 108, 8, 0); // uid
  writeOctal(h, 116, 8, 0); // gid
  writeOctal(h, 124, 12, fields.size);
  writeOctal(h, 136, 12, Math.max(0, fields.mtimeSec));
  h.fill(0x20, 148, 156); // checksum field counts as spaces while summing
  writeString(h, 156, 1, fields.typeflag);
  writeString(h, 157, 100, fields.linkname);
  writeString(h, 257, 6, "ustar\0");
  writeString(h, 263, 2, "00");
  writeString(h, 345, 155, fields.prefix);
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8, "ascii");
  return h;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  // The length prefix counts itself, so it may need one more digit.
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length++;
  return `${length}${body}`;
}

function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}

/** The header block(s) of one entry: a PAX header first when the name or link is too long for ustar. */
export function entryHeader(entry: TarEntry): Buffer {
  const fullName = entry.type === "directory" ? `${entry.name}/` : entry.name;
  const linkname = entry.linkname ?? "";
  const split = fitsUstar(fullName);
  const records: string[] = [];
  if (split === null) records.push(paxRecord("path", fullName));
  if (Buffer.byteLength(linkname) > 100) records.push(paxRecord("linkpath", linkname));
  if (entry.size > MAX_OCTAL_SIZE) {
    throw new RangeError(`${entry.name}: files over 8 GiB are not supported in a build context`);
  }
  const main = header({
    name: split?.name ?? fullName.slice(-100),
    prefix: split?.prefix ?? "",
    mode: entry.mode,
    size: entry.type === "file" ? entry.size : 0,
    mtimeSec: entry.mtimeSec,
    typeflag: TYPE_FLAG[entry.type],
    linkname: Buffer.byteLength(linkname) > 100 ? linkname.slice(0, 100) : linkname,
  });
  if (records.length === 0) return main;
  const pax = Buffer.from(records.join(""), "utf8");
  const paxHeader = header({
    name: `PaxHeaders/${fullName.slice(-80)}`,
    prefix: "",
    mode: 0o644,
    size: pax.length,
    mtimeSec: entry.mtimeSec,
    typeflag: "x",
    linkname: "",
  });
  return Buffer.concat([paxHeader, pax, padding(pax.length), main]);
}

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
  yield padding(entry.size);
}

async function* archive(entries: readonly TarEntry[]): AsyncGenerator<Buffer> {
  for (const entry of entries) {
    yield entryHeader(entry);
    if (entry.type === "file") yield* fileContent(entry);
  }
  yield Buffer.alloc(2 * BLOCK);
}

/** A tar archive of `entries`, in the order given, produced as it is read. */
export function tarStream(entries: readonly TarEntry[]): Readable {
  return Readable.from(archive(entries), { objectMode: false });
}
