import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect } from "vitest";
import {
  BUSYBOX,
  checkNothingLeftAfterSuite,
  dockerAvailable,
  dockerNode,
  dockerTest as it,
  ensureTestImage,
  scenarioOf,
  testDocker,
} from "./__fixtures__/docker-run.js";
import { DockerBuildError } from "./errors.js";
import { buildTag } from "./names.js";

const available = await dockerAvailable();

let context: string;
const builtTags: string[] = [];

async function put(rel: string, content: string): Promise<void> {
  await mkdir(join(context, rel, ".."), { recursive: true });
  await writeFile(join(context, rel), content);
}

describe.runIf(available)("images built from a build: section", () => {
  beforeAll(async () => {
    await ensureTestImage("busybox");
  });
  checkNothingLeftAfterSuite();
  beforeEach(async () => {
    context = await mkdtemp(join(tmpdir(), "sim-build-ctx-"));
  });
  afterEach(async () => {
    await rm(context, { recursive: true, force: true });
    // Built images are a cache between runs in real use; the tests remove theirs.
    await Promise.all(builtTags.splice(0).map((tag) => testDocker().getImage(tag).remove({ force: true }).catch(() => {})));
  });

  it("sends the context with .dockerignore honoured, passes build args, and runs the result", async ({ run }) => {
    await put(
      "docker/Dockerfile.sim",
      [`FROM ${BUSYBOX}`, "ARG GREETING", "COPY . /ctx/", 'RUN echo "$GREETING" > /greeting', 'CMD ["sh", "-c", "cat /greeting; find /ctx -type f | sort; echo listed; exec sleep 3600"]', ""].join("\n"),
    );
    await put(".dockerignore", "*.secret\nscratch/\n!scratch/keep.txt\n**/*.tmp\n");
    await put("app/main.txt", "app\n");
    await put("app/cache.tmp", "tmp\n");
    await put("key.secret", "secret\n");
    await put("scratch/junk.bin", "junk\n");
    await put("scratch/keep.txt", "kept\n");
    const node = dockerNode("built", {
      image: null,
      build: { context, dockerfile: "docker/Dockerfile.sim", args: { GREETING: "built-by-sim" } },
      wait_for: { log: "^listed$", port: null, timeout_sec: 30 },
    });
    const tag = buildTag("docker-test", "built");
    builtTags.push(tag);

    // check() accepts a node whose image does not exist yet but can be built.
    expect(await run.launcher.check([node], scenarioOf([node]))).toEqual([]);

    const ctx = run.context([node]);
    await run.launcher.prepare([node], ctx);
    const image = await run.docker.getImage(tag).inspect();
    expect(image.Config.Labels).toMatchObject({ "sim.scenario": "docker-test", "sim.node": "built" });

    const started = await run.launcher.launch(node, ctx);
    await started.stop();
    await run.launcher.cleanup(ctx);
    const files = (await run.logOf("built")).split("\n").filter((line) => line.startsWith("/ctx/"));
    expect(files).toEqual(["/ctx/.dockerignore", "/ctx/app/main.txt", "/ctx/docker/Dockerfile.sim", "/ctx/scratch/keep.txt"]);
    expect(await run.logOf("built")).toContain("built-by-sim\n");
  });

  it("reports a failing build with the end of its output, naming the node and image", async ({ run }) => {
    await put("Dockerfile", `FROM ${BUSYBOX}\nRUN echo about-to-fail && exit 9\n`);
    const node = dockerNode("broken", { image: "sim-test/broken:1", build: { context, dockerfile: "Dockerfile", args: {} } });
    builtTags.push("sim-test/broken:1");
    const ctx = run.context([node]);
    const error = await run.launcher.prepare([node], ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DockerBuildError);
    expect((error as DockerBuildError).code).toBe("SIM_DOCKER_BUILD_FAILED");
    expect((error as Error).message).toMatch(/^node "broken": building image "sim-test\/broken:1" failed: .*returned a non-zero code: 9/);
    expect((error as Error).message).toContain("about-to-fail");
    // The classic builder's intermediate containers are removed even on failure.
    const intermediates = await run.docker.listContainers({ all: true, filters: { ancestor: [BUSYBOX], status: ["exited", "created"] } });
    expect(intermediates.filter((c) => c.Command.includes("about-to-fail"))).toEqual([]);
    await run.launcher.cleanup(ctx);
  });

  it("check() reports a missing build context or Dockerfile without building anything", async ({ run }) => {
    const noContext = dockerNode("nocontext", { image: null, build: { context: join(context, "missing"), dockerfile: "Dockerfile", args: {} } });
    const noFile = dockerNode("nofile", { image: null, build: { context, dockerfile: "Dockerfile", args: {} } });
    const problems = await run.launcher.check([noContext, noFile], scenarioOf([noContext, noFile]));
    expect(problems.map((p) => [p.code, p.path.join(".")])).toEqual([
      ["SIM_DOCKER_BUILD_INVALID", "nodes.nocontext.build.context"],
      ["SIM_DOCKER_BUILD_INVALID", "nodes.nofile.build.dockerfile"],
    ]);
    expect(problems[1]?.message).toContain(`there is no Dockerfile in the build context ${context}`);
  });
});
