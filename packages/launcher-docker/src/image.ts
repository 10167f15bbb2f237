import type { ResolvedDockerNode } from "@sim/config";
import { packContext } from "./build-context.js";
import { isNotFound, type Engine } from "./engine.js";
import { DockerBuildError } from "./errors.js";
import { LABEL_NODE, LABEL_SCENARIO } from "./names.js";

/** Build output lines quoted in a DockerBuildError. */
const BUILD_TAIL_LINES = 15;

/** True when `image` exists on the engine. Never pulls. */
export async function imageExists(engine: Engine, image: string): Promise<boolean> {
  try {
    await engine.docker.getImage(image).inspect();
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

interface BuildEvent {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

/**
 * Builds `tag` from the node's `build:` section: the context is tarred here
 * (`.dockerignore` honoured) and sent to the engine, which builds it with its
 * classic builder. Images carry `sim.scenario`/`sim.node` but not the run id:
 * they are a cache kept between runs, not a resource of one run.
 */
export async function buildImage(
  engine: Engine,
  node: Pick<ResolvedDockerNode, "id" | "group" | "build">,
  tag: string,
  scenario: string,
  options: { signal?: AbortSignal; onLine?: (line: string) => void } = {},
): Promise<void> {
  const build = node.build;
  if (build === null) throw new DockerBuildError(node.id, tag, "the node has no `build:` section");
  const tail: string[] = [];
  const remember = (text: string): void => {
    for (const line of text.split("\n")) {
      const trimmed = line.trimEnd();
      if (trimmed === "") continue;
      tail.push(trimmed);
      if (tail.length > BUILD_TAIL_LINES) tail.shift();
      options.onLine?.(trimmed);
    }
  };

  let events: BuildEvent[];
  try {
    const { stream: context } = await packContext(build.context, build.dockerfile);
    const response = await engine.docker.buildImage(context, {
      t: tag,
      dockerfile: build.dockerfile,
      buildargs: build.args,
      labels: { [LABEL_SCENARIO]: scenario, [LABEL_NODE]: node.group },
      // Remove the builder's intermediate containers even when a step fails.
      rm: true,
      forcerm: true,
      ...(options.signal === undefined ? {} : { abortSignal: options.signal }),
    });
    events = await new Promise<BuildEvent[]>((resolve, reject) => {
      engine.docker.modem.followProgress(
        response,
        (error: Error | null, result: BuildEvent[]) => (error ? reject(error) : resolve(result)),
        (event: BuildEvent) => remember(event.stream ?? event.status ?? ""),
      );
    });
  } catch (cause) {
    throw new DockerBuildError(node.id, tag, (cause as Error).message ?? String(cause), { output: tail, cause });
  }
  const failed = events.find((e) => e.error !== undefined || e.errorDetail !== undefined);
  if (failed !== undefined) {
    const reason = failed.errorDetail?.message ?? failed.error ?? "unknown error";
    throw new DockerBuildError(node.id, tag, reason + baseImageHint(tail, reason), { output: tail });
  }
}

/**
 * When a build fails because its `FROM` image is neither on the engine nor pullable
 * (there may be no registry at all), says so and how sim's own images are made.
 */
export function baseImageHint(output: readonly string[], reason: string): string {
  // Only when the step that failed (the last one started) is the FROM.
  const lastStep = [...output].reverse().find((line) => /^Step \d+\/\d+ : /.test(line.trim()));
  const from = lastStep === undefined ? undefined : /^Step \d+\/\d+ : FROM\s+(\S+)/i.exec(lastStep.trim())?.[1];
  if (from === undefined || !/registry|no such host|pull access denied|manifest unknown/i.test(reason)) return "";
  const local = /^sim-test\/(busybox|node):/.exec(from)?.[1];
  return `; the base image ${from} is not on this engine and could not be pulled — build it locally first${local ? ` (images/build.sh ${local})` : ""}`;
}
