/**
 * What the QEMU tests need: `qemu-system-arm`, gcc and arm-none-eabi-gcc. Without
 * them the tests are skipped with a loud warning, or, with SIM_REQUIRE_QEMU=1
 * (CI), fail.
 */
import { readFileSync } from "node:fs";
import { descendantsOf } from "@sim/process-tree";
import { execa } from "execa";

async function runs(file: string, args: string[]): Promise<boolean> {
  const result = await execa(file, args, { reject: false, timeout: 20_000 });
  return result.exitCode === 0;
}

const missing: string[] = [];
if (!(await runs("qemu-system-arm", ["--version"]))) missing.push("qemu-system-arm (apt-get install qemu-system-arm)");
if (!(await runs("gcc", ["--version"]))) missing.push("gcc (apt-get install gcc)");
if (!(await runs("arm-none-eabi-gcc", ["--version"]))) missing.push("arm-none-eabi-gcc (apt-get install gcc-arm-none-eabi)");

/** Null when everything is there; else what is missing. */
export const qemuMissing: string | null = missing.length === 0 ? null : missing.join(", ");

if (qemuMissing !== null) {
  if (process.env.SIM_REQUIRE_QEMU === "1") throw new Error(`SIM_REQUIRE_QEMU=1 but missing: ${qemuMissing}`);
  console.warn(
    `\n${"!".repeat(78)}\n!! SKIPPING QEMU TESTS: missing ${qemuMissing}.\n!! Set SIM_REQUIRE_QEMU=1 to make this a failure.\n${"!".repeat(78)}\n`,
  );
}

/** Processes below this test process whose command is QEMU, with their command lines. */
export function qemuDescendants(): string[] {
  const found: string[] = [];
  for (const pid of descendantsOf([process.pid])) {
    let comm = "";
    try {
      comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    } catch {
      continue; // gone meanwhile
    }
    if (comm.startsWith("qemu")) found.push(`${pid} ${comm}`);
  }
  return found;
}
