/**
 * One sweep at a time per store: two invocations writing the same members would
 * each read the other's half-finished results. The lock names its holder; a lock
 * whose process is gone (on this host) is taken over.
 */
import { hostname } from "node:os";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { SimError } from "@sim/config";

const LOCK_FILE = ".lock";

/** Another sweep is using the store. Invalid input: exit 2. */
export class SweepStoreBusyError extends SimError {
  constructor(store: string, holder: string) {
    super("SIM_SWEEP_STORE_BUSY", `another sweep (${holder}) is using the store ${store}; wait for it, or stop it`);
  }
}

/** Takes the store's lock; resolves with the function that releases it. */
export async function acquireStoreLock(store: string): Promise<() => Promise<void>> {
  const path = join(store, LOCK_FILE);
  const me = `${hostname()} pid ${process.pid}`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(path, `${me}\n`, { flag: "wx" });
      return async () => {
        await rm(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = (await readFile(path, "utf8").catch(() => "")).trim();
      if (isAlive(holder)) throw new SweepStoreBusyError(store, holder);
      await rm(path, { force: true });
    }
  }
  throw new SweepStoreBusyError(store, "unknown");
}

/** A holder on another host is taken to be alive: its process cannot be checked from here. */
function isAlive(holder: string): boolean {
  const match = /^(\S+) pid (\d+)$/.exec(holder);
  if (!match) return false;
  if (match[1] !== hostname()) return true;
  try {
    process.kill(Number(match[2]), 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
