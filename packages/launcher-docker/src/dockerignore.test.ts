import { describe, expect, it } from "vitest";
import { IgnoreMatcher, parseDockerignore } from "./dockerignore.js";

const matcher = (text: string) => new IgnoreMatcher(parseDockerignore(text));

describe("parseDockerignore", () => {
  it("drops comments and blanks, cleans paths and strips a leading slash", () => {
    expect(parseDockerignore("# comment\n\n  /secrets/  \n!./keep//me\nfoo/../bar\r\n")).toEqual(["secrets", "!keep/me", "bar"]);
  });
});

describe("IgnoreMatcher", () => {
  it("ignores a folder and everything below it", () => {
    const m = matcher("node_modules\n");
    expect(m.ignores("node_modules")).toBe(true);
    expect(m.ignores("node_modules/a/b.js")).toBe(true);
    expect(m.ignores("src/node_modules")).toBe(false);
  });

  it("keeps * and ? within one segment, lets ** span segments", () => {
    const m = matcher("*.log\ndocs/?.md\n**/*.tmp\n");
    expect(m.ignores("a.log")).toBe(true);
    expect(m.ignores("sub/a.log")).toBe(false);
    expect(m.ignores("docs/a.md")).toBe(true);
    expect(m.ignores("docs/ab.md")).toBe(false);
    expect(m.ignores("x.tmp")).toBe(true);
    expect(m.ignores("deep/er/x.tmp")).toBe(true);
  });

  it("lets the last matching pattern win, with ! re-including", () => {
    const m = matcher("*.md\n!README.md\nREADME*.md\n!README-keep.md\n");
    expect(m.ignores("notes.md")).toBe(true);
    expect(m.ignores("README.md")).toBe(true);
    expect(m.ignores("README-keep.md")).toBe(false);
    expect(m.hasExclusions).toBe(true);
  });

  it("re-includes a file under an ignored folder", () => {
    const m = matcher("data\n!data/keep.txt\n");
    expect(m.ignores("data/other.txt")).toBe(true);
    expect(m.ignores("data/keep.txt")).toBe(false);
  });

  it("treats regex characters literally and supports escapes and classes", () => {
    const m = matcher("a+b.txt\nfile[0-9].bin\nlit\\*eral\n");
    expect(m.ignores("a+b.txt")).toBe(true);
    expect(m.ignores("aab.txt")).toBe(false);
    expect(m.ignores("file7.bin")).toBe(true);
    expect(m.ignores("fileX.bin")).toBe(false);
    expect(m.ignores("lit*eral")).toBe(true);
    expect(m.ignores("litXeral")).toBe(false);
  });
});
