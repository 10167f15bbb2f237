import { describe, expect, it } from "vitest";
import { ignoreMatcher, parseDockerignore } from "./dockerignore.js";

const matcher = (text: string) => ignoreMatcher(parseDockerignore(text));

describe("parseDockerignore", () => {
  it("drops comments, blanks and a lone '!', keeps patterns in order", () => {
    expect(parseDockerignore("\uFEFF# comment\n\n  /secrets/  \n!\n!./keep//me\r\nfoo/../bar\n")).toEqual(["  /secrets/  ", "!./keep//me", "foo/../bar"]);
  });
});

describe("ignoreMatcher", () => {
  it("cleans patterns as Go's filepath.Clean does and strips a leading slash", () => {
    const m = matcher("  /secrets/  \n!./secrets//keep\nfoo/../bar\n");
    expect(m.ignores("secrets/a")).toBe(true);
    expect(m.ignores("secrets/keep")).toBe(false);
    expect(m.ignores("bar")).toBe(true);
    expect(m.ignores("foo")).toBe(false);
  });

  it("ignores a folder and everything below it", () => {
    const m = matcher("node_modules\n");
    expect(m.ignores("node_modules")).toBe(true);
    expect(m.ignores("node_modules/a/b.js")).toBe(true);
    expect(m.ignores("src/node_modules")).toBe(false);
    expect(m.mayReinclude("node_modules")).toBe(false);
  });

  it("keeps * and ? within one segment, lets ** span segments", () => {
    const m = matcher("*.log\ndocs/?.md\n**/*.tmp\ncache/**\n");
    expect(m.ignores("a.log")).toBe(true);
    expect(m.ignores("sub/a.log")).toBe(false);
    expect(m.ignores("docs/a.md")).toBe(true);
    expect(m.ignores("docs/ab.md")).toBe(false);
    expect(m.ignores("x.tmp")).toBe(true);
    expect(m.ignores("deep/er/x.tmp")).toBe(true);
    expect(m.ignores("cache/a/b/c")).toBe(true);
    expect(m.ignores("cachex/a")).toBe(false);
  });

  it("matches case-sensitively, as the Docker CLI does on Linux", () => {
    const m = matcher("*.log\nBuild\n");
    expect(m.ignores("a.log")).toBe(true);
    expect(m.ignores("A.LOG")).toBe(false);
    expect(m.ignores("build")).toBe(false);
    expect(m.ignores("Build/x")).toBe(true);
  });

  it("lets the last matching pattern win, with ! re-including", () => {
    const m = matcher("*.md\n!README.md\nREADME*.md\n!README-keep.md\n");
    expect(m.ignores("notes.md")).toBe(true);
    expect(m.ignores("README.md")).toBe(true);
    expect(m.ignores("README-keep.md")).toBe(false);
  });

  it("re-includes a file under an ignored folder", () => {
    const m = matcher("data\n!data/keep.txt\n");
    expect(m.ignores("data/other.txt")).toBe(true);
    expect(m.ignores("data/keep.txt")).toBe(false);
  });

  it("enters an ignored folder only when a ! pattern starts with its path, as the Docker CLI does", () => {
    const m = matcher("data\ncache\n!data/sub/keep.txt\n!cache/**/*.keep\n! /logs/keep.log\n");
    expect(m.mayReinclude("data")).toBe(true);
    expect(m.mayReinclude("data/sub")).toBe(true);
    expect(m.mayReinclude("data/other")).toBe(false);
    expect(m.mayReinclude("dat")).toBe(false);
    expect(m.mayReinclude("cache")).toBe(true);
    expect(m.mayReinclude("cache/x")).toBe(false);
    expect(m.mayReinclude("logs")).toBe(true);
  });

  it("matches patterns without wildcards literally, regex characters included (the CLI compares them as strings)", () => {
    const m = matcher("a+b.txt\nfile (1).txt\nx|y\nq{1}\n**/c++\nout(put)/**\n!keep+me\n");
    expect(m.ignores("a+b.txt")).toBe(true);
    expect(m.ignores("aab.txt")).toBe(false);
    expect(m.ignores("file (1).txt")).toBe(true);
    expect(m.ignores("file 1.txt")).toBe(false);
    expect(m.ignores("x|y")).toBe(true);
    expect(m.ignores("x")).toBe(false);
    expect(m.ignores("q{1}")).toBe(true);
    expect(m.ignores("q")).toBe(false);
    expect(m.ignores("src/c++")).toBe(true);
    expect(m.ignores("src/cc")).toBe(false);
    expect(m.ignores("out(put)/a")).toBe(true);
    expect(m.ignores("output/a")).toBe(false);
  });

  it("supports escapes and character classes", () => {
    const m = matcher("file[0-9].bin\nlit\\*eral\nx[^a]y\n");
    expect(m.ignores("file7.bin")).toBe(true);
    expect(m.ignores("fileX.bin")).toBe(false);
    expect(m.ignores("lit*eral")).toBe(true);
    expect(m.ignores("litXeral")).toBe(false);
    expect(m.ignores("xby")).toBe(true);
    expect(m.ignores("xay")).toBe(false);
  });
});
