import { writeSync } from "node:fs";

/** Writes all of `chunk` to `fd` at its current position (writeSync may write less than asked). */
export function writeAllSync(fd: number, chunk: Uint8Array): void {
  let done = 0;
  while (done < chunk.length) done += writeSync(fd, chunk, done, chunk.length - done);
}
