import { describe, expect, it } from "vitest";
import { nodeEnvironment } from "./environment.js";

describe("nodeEnvironment", () => {
  it("keeps only the basics of the inherited environment, then the scenario's, then the run markers", () => {
    const env = nodeEnvironment(
      { PATH: "/bin", HOME: "/h", LC_ALL: "C", AWS_SECRET_ACCESS_KEY: "s3cr3t", NODE_OPTIONS: "--inspect", TZ: undefined },
      { MODE: "fast", PATH: "/opt/bin:/bin", SIM_RUN_ID: "spoofed" },
      "run-1",
      "n1",
    );
    expect(env).toEqual({ PATH: "/opt/bin:/bin", HOME: "/h", LC_ALL: "C", MODE: "fast", SIM_RUN_ID: "run-1", SIM_NODE_ID: "n1" });
  });
});
