/** Whether a Docker engine answers, and what is labelled on it (tests check nothing is left). */
import { execFileSync } from "node:child_process";

export function dockerEngineUp(what: string): boolean {
  let up: boolean;
  try {
    execFileSync("docker", ["info"], { stdio: "ignore" });
    up = true;
  } catch {
    up = false;
  }
  if (!up && process.env.SIM_REQUIRE_DOCKER === "1") throw new Error("SIM_REQUIRE_DOCKER=1 but no Docker engine answers `docker info`");
  if (!up) console.warn(`\n*** Docker engine not reachable: ${what} SKIPPED ***\n`);
  return up;
}

/** Ids of containers (`ps`) or networks carrying `label`. */
export function labelled(kind: "ps" | "network ls", label: string): string[] {
  const args = kind === "ps" ? ["ps", "-a", "-q", "--filter", `label=${label}`] : ["network", "ls", "-q", "--filter", `label=${label}`];
  return execFileSync("docker", args, { encoding: "utf8" }).split("\n").filter(Boolean);
}
