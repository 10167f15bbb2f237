import { describe, expect, it } from "vitest";
import { LogLimit, type LogVerdict } from "./log-limit.js";

const run = (limit: LogLimit, entries: string[]): LogVerdict[] => entries.map((e) => limit.admit(e));

describe("LogLimit", () => {
  it("keeps whole lines up to log_lines, then notes the truncation once and drops the rest", () => {
    const limit = new LogLimit({ log_lines: 2, log_bytes: 1000 });
    expect(run(limit, ["a\n", "b\n", "c\n", "d\n", "e\n"])).toEqual(["keep", "keep", "truncate", "drop", "drop"]);
    expect(limit.truncated).toBe(true);
    expect(limit.note).toBe(
      "log truncated after 2 lines, 4 bytes (limits.log_lines is 2); the node kept running, its further output is dropped (raise limits.log_lines in the scenario to keep more)",
    );
    expect(limit.summary()).toBe("dropped 3 lines, 6 bytes of output after the log was truncated");
  });

  it("counts UTF-8 bytes against log_bytes and never keeps a later line that would still fit", () => {
    const limit = new LogLimit({ log_lines: 100, log_bytes: 10 });
    // "€" is 3 bytes: 4 + 4 = 8 fit, the next 4 do not, the 2-byte line after it is dropped too.
    expect(run(limit, ["€\n", "€\n", "€\n", "x\n"])).toEqual(["keep", "keep", "truncate", "drop"]);
    expect(limit.note).toContain("after 2 lines, 8 bytes (limits.log_bytes is 10)");
  });

  it("with nothing dropped, has no note and no summary; a limit of 0 drops everything", () => {
    const roomy = new LogLimit({ log_lines: 10, log_bytes: 100 });
    expect(run(roomy, ["a\n", "b\n"])).toEqual(["keep", "keep"]);
    expect([roomy.truncated, roomy.note, roomy.summary()]).toEqual([false, null, null]);
    const none = new LogLimit({ log_lines: 0, log_bytes: 100 });
    expect(run(none, ["a\n"])).toEqual(["truncate"]);
  });
});
