/**
 * What a shell can complete, read from the commander program itself (its
 * commands, their options and arguments, as `--help` shows them), so that the
 * completion scripts cannot fall behind the CLI.
 */
import type { Argument, Command, Option } from "commander";

/** What to offer for a value: nothing (free text), files, `*.yaml`/`*.yml` files, folders, or fixed words. */
export type ValueCompletion = { kind: PathKind } | { kind: "words"; words: string[] };
type PathKind = "none" | "file" | "yaml" | "directory";

export interface OptionSpec {
  /** `-o` and `--output`, as given. */
  flags: string[];
  description: string;
  /** Null for a switch (no value). */
  value: ValueCompletion | null;
  /** Collects every occurrence (`--set a=1 --set b=2`). */
  repeatable: boolean;
}

export interface ArgumentSpec {
  name: string;
  description: string;
  variadic: boolean;
  value: ValueCompletion;
}

export interface CommandSpec {
  name: string;
  description: string;
  options: OptionSpec[];
  arguments: ArgumentSpec[];
}

export interface CompletionSpec {
  /** The command's name, `sim`. */
  name: string;
  options: OptionSpec[];
  commands: CommandSpec[];
}

/**
 * Arguments by their name in the program: scenario and sweep files are YAML, a
 * report reads a folder. An argument with choices offers them, `help`'s `command`
 * the command names, any other plain files.
 */
const ARGUMENT_VALUES: Record<string, PathKind> = {
  scenario: "yaml",
  file: "yaml",
  files: "yaml",
  folder: "directory",
};

/** Option values by their placeholder (`--out <dir>`); any other placeholder is free text. */
const OPTION_VALUES: Record<string, PathKind> = {
  dir: "directory",
  file: "file",
};

export function completionSpec(program: Command): CompletionSpec {
  const help = program.createHelp();
  const commands = help.visibleCommands(program);
  const commandNames = commands.map((c) => c.name());
  return {
    name: program.name(),
    options: help.visibleOptions(program).map(optionSpec),
    commands: commands.map((command) => ({
      name: command.name(),
      description: command.description(),
      options: help.visibleOptions(command).map(optionSpec),
      arguments: command.registeredArguments.map((argument) => argumentSpec(argument, commandNames)),
    })),
  };
}

function optionSpec(option: Option): OptionSpec {
  const flags = [option.short, option.long].filter((f): f is string => f !== undefined);
  const takesValue = option.required || option.optional;
  return {
    flags,
    description: option.description,
    value: takesValue ? (option.argChoices ? { kind: "words", words: [...option.argChoices] } : valueOf(OPTION_VALUES[placeholder(option.flags)] ?? "none")) : null,
    repeatable: Array.isArray(option.defaultValue),
  };
}

function argumentSpec(argument: Argument, commandNames: string[]): ArgumentSpec {
  let value: ValueCompletion;
  if (argument.argChoices) value = { kind: "words", words: [...argument.argChoices] };
  else if (argument.name() === "command") value = { kind: "words", words: commandNames };
  else value = valueOf(ARGUMENT_VALUES[argument.name()] ?? "file");
  return { name: argument.name(), description: argument.description, variadic: argument.variadic, value };
}

function valueOf(kind: PathKind): ValueCompletion {
  return { kind };
}

/** `dir` of `--out <dir>`. */
function placeholder(flags: string): string {
  return /[<[]([^>\]]+)[>\]]/.exec(flags)?.[1] ?? "";
}
