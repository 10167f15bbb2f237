import { describe, expect, it } from "vitest";
import { baseImageHint } from "./image.js";

describe("baseImageHint", () => {
  const registry = 'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host';

  it("names a missing sim test image and the command that builds it", () => {
    expect(baseImageHint(["Step 1/5 : FROM sim-test/node:1"], registry)).toBe(
      "; the base image sim-test/node:1 is not on this engine and could not be pulled — build it locally first (images/build.sh node)",
    );
  });

  it("names any other missing base image without a command", () => {
    expect(baseImageHint(["Step 1/2 : FROM debian:12", " ---> x"], "pull access denied for debian")).toBe(
      "; the base image debian:12 is not on this engine and could not be pulled — build it locally first",
    );
  });

  it("says nothing when the failure is not about pulling the base image", () => {
    expect(baseImageHint(["Step 1/5 : FROM sim-test/node:1", "Step 2/5 : RUN false"], "The command '/bin/sh -c false' returned a non-zero code: 1")).toBe("");
    expect(baseImageHint([], registry)).toBe("");
    // A later step failed on a registry (e.g. a package mirror): not the base image.
    expect(baseImageHint(["Step 1/3 : FROM sim-test/node:1", "Step 2/3 : RUN apt-get update"], registry)).toBe("");
  });
});
