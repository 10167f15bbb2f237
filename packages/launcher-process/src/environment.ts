/**
 * The environment a process node starts with: a few variables every program needs
 * (PATH, HOME, locale, time zone, temp folder) from the harness's environment, then
 * the scenario's `env`, then the run's markers. Nothing else leaks in, so a result
 * does not depend on what happened to be set in the researcher's shell.
 */
import { NODE_ID_ENV, RUN_ID_ENV } from "@sim/process-tree";

const INHERITED = ["PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TZ", "TMPDIR", "TMP", "TEMP"];

/** Environment variables that mark a process as belonging to a run (the reaper looks for SIM_RUN_ID). */
export { NODE_ID_ENV, RUN_ID_ENV };

export function nodeEnvironment(
  inherited: Readonly<Record<string, string | undefined>>,
  scenarioEnv: Readonly<Record<string, string>>,
  runId: string,
  nodeId: string,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of Object.keys(inherited).sort()) {
    const value = inherited[key];
    if (value !== undefined && (INHERITED.includes(key) || key.startsWith("LC_"))) env[key] = value;
  }
  Object.assign(env, scenarioEnv);
  env[RUN_ID_ENV] = runId;
  env[NODE_ID_ENV] = nodeId;
  return env;
}
