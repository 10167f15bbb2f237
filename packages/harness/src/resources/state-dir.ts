import { join } from "node:path";

/**
 * The folder sim keeps per-user state in: `$XDG_STATE_HOME/sim`, by default
 * `~/.local/state/sim`. Takes the environment and home folder as arguments so that
 * only the CLI entry reads them.
 */
export function defaultStateDir(env: Readonly<Record<string, string | undefined>>, home: string): string {
  const xdg = env.XDG_STATE_HOME;
  // The XDG spec says relative values are invalid and must be ignored.
  const base = xdg && xdg.startsWith("/") ? xdg : join(home, ".local", "state");
  return join(base, "sim");
}

/** Folder of the run registry files inside a state folder. */
export function runsDir(stateDir: string): string {
  return join(stateDir, "runs");
}

/** Registry file of one run. */
export function registryFile(stateDir: string, runId: string): string {
  return join(runsDir(stateDir), `${runId}.json`);
}
