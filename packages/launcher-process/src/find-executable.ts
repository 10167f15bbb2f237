import { access, constants, stat } from "node:fs/promises";
import { delimiter, isAbsolute, join, resolve } from "node:path";

/**
 * Where `command` would be found: a path (containing a slash) relative to `cwd`, or
 * a name looked up on `path`. Null when there is no executable file there.
 */
export async function findExecutable(command: string, cwd: string, path: string | undefined): Promise<string | null> {
  if (command.includes("/") || isAbsolute(command)) {
    const file = resolve(cwd, command);
    return (await isExecutableFile(file)) ? file : null;
  }
  for (const dir of (path ?? "").split(delimiter)) {
    if (dir === "") continue;
    const file = join(resolve(cwd, dir), command);
    if (await isExecutableFile(file)) return file;
  }
  return null;
}

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    if (!(await stat(file)).isFile()) return false;
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
