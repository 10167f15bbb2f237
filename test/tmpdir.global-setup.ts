/**
 * Every test run gets its own temporary folder (TMPDIR for the test workers and
 * everything they start), removed when the run ends: test files and the processes
 * they start make temporary folders of their own (run outputs, state folders, a
 * 220 MB trace per golden city-10k run), and a run must not leave them behind.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), "sim-tests-"));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(dir, { recursive: true, force: true });
  };
}
