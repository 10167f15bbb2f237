#!/usr/bin/env node
// TEST FIXTURE ONLY - a stand-in for Renode 1.16.1, not an emulator.
//
// It behaves like `renode --disable-xwt --plain --port P` for exactly the subset
// of the monitor that @sim/launcher-renode uses, so that the launcher can be
// tested on machines without Renode. It runs no firmware: a tiny model of
// scenarios/renode/sensor-fw.c prints on `sysbus.usart1`, as a function of
// virtual time only. docs/renode.md lists what it does not capture.
//
// Renode's flags: --disable-xwt --plain --hide-log --port/-P <n> --pid-file <f>
// --config <f>; any other flag is refused. Fixture-only flags (never Renode's):
//   --standin-startup-delay-ms <n>  wait before listening (slow .NET start-up)
//   --standin-escape-noise          cursor escape sequences in echoes and prompts
//   --standin-fragment              send every write in 1-3 byte TCP packets
//   --standin-eat-first-char        swallow the first character a client types
//   --standin-hang-at-us <us>       a RunFor reaching this virtual time never returns
//   --standin-crash-at-us <us>      the process dies when a RunFor reaches this time
//   --standin-ignore-sigterm        ignore SIGTERM (so only SIGKILL stops it)
//   --standin-spawn-child <file>    start a child process in the same process
//                                   group and write its pid to <file>
//   --standin-socket-delay-ms <n>   delay of socket-terminal bytes (default 5)
//   --standin-burst <n>             with each reading, n more UART lines and n
//                                   lines of Renode log (a chatty firmware)
import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, isAbsolute, resolve } from "node:path";

const VERSION = "1.16.1.0";
const REPORT_PERIOD_US = 100_000;
// The model prints a reading this long after its SysTick fires, as firmware
// needs a few µs of instructions before the bytes reach the UART.
const FIRMWARE_LATENCY_US = 10;
const FIRMWARE_UART = "sysbus.usart1";
const RX_LINE_MAX = 64;
// UARTs of Renode's platforms/cpus/stm32f4.repl, the one library platform the stand-in knows.
const LIBRARY = { "platforms/cpus/stm32f4.repl": ["usart1", "usart2", "usart3", "uart4", "uart5"] };

// ---------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------

const opts = {
  port: null,
  pidFile: null,
  config: null,
  hideLog: false,
  startupDelayMs: 0,
  escapeNoise: false,
  fragment: false,
  eatFirstChar: false,
  hangAtUs: null,
  crashAtUs: null,
  ignoreSigterm: false,
  spawnChild: null,
  socketDelayMs: 5,
  burst: 0,
};

function refuse(message) {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i];
  const value = () => {
    const v = argv[++i];
    if (v === undefined) refuse(`Option ${arg} requires a value`);
    return v;
  };
  const int = () => {
    const v = value();
    if (!/^\d+$/.test(v)) refuse(`Option ${arg} requires a non-negative integer, got '${v}'`);
    return Number(v);
  };
  switch (arg) {
    case "--disable-xwt":
    case "--plain":
      break;
    case "--hide-log":
      opts.hideLog = true;
      break;
    case "--port":
    case "-P":
      opts.port = int();
      break;
    case "--pid-file":
      opts.pidFile = value();
      break;
    case "--config":
      opts.config = value();
      break;
    case "--standin-startup-delay-ms":
      opts.startupDelayMs = int();
      break;
    case "--standin-escape-noise":
      opts.escapeNoise = true;
      break;
    case "--standin-fragment":
      opts.fragment = true;
      break;
    case "--standin-eat-first-char":
      opts.eatFirstChar = true;
      break;
    case "--standin-hang-at-us":
      opts.hangAtUs = int();
      break;
    case "--standin-crash-at-us":
      opts.crashAtUs = int();
      break;
    case "--standin-ignore-sigterm":
      opts.ignoreSigterm = true;
      break;
    case "--standin-spawn-child":
      opts.spawnChild = value();
      break;
    case "--standin-socket-delay-ms":
      opts.socketDelayMs = int();
      break;
    case "--standin-burst":
      opts.burst = int();
      break;
    default:
      refuse(`Unknown option: ${arg}`);
  }
}
// Renode 1.16.1 cannot pick a port itself: `-P 0` does not give a usable monitor.
if (opts.port === null || opts.port < 1 || opts.port > 65535) refuse(`Invalid monitor port: ${opts.port}`);

if (opts.ignoreSigterm) process.on("SIGTERM", () => {});

function log(level, message) {
  if (opts.hideLog) return;
  const t = new Date().toISOString().slice(11, 24).replace(/(\.\d{3})\d*Z?$/, "$1");
  process.stdout.write(`${t}0 [${level}] ${message}\n`);
}

// ---------------------------------------------------------------------------
// Emulation state: a virtual clock and the firmware model
// ---------------------------------------------------------------------------

const emu = {
  nowUs: 0,
  quantumUs: 100,
  serial: false,
  advanceImmediately: false,
  seed: 0,
  started: false,
  machine: null, // { name, peripherals: Set<string>, elf: boolean }
  terminals: new Map(), // name -> { server, sockets: Set, uart: string | null }
  fileBackends: new Map(), // uart -> [fd]
  rxLine: "",
  reportsDone: 0,
};

function uartExists(device) {
  return emu.machine !== null && device.startsWith("sysbus.") && emu.machine.peripherals.has(device.slice(7));
}

/** Bytes the UART sends at the current virtual time go to every backend attached to it. */
function uartTransmit(uart, text) {
  const bytes = Buffer.from(text, "utf8");
  for (const fd of emu.fileBackends.get(uart) ?? []) writeSync(fd, bytes);
  for (const term of emu.terminals.values()) {
    if (term.uart !== uart) continue;
    // Like Renode's socket terminal, bytes reach the TCP client a little after
    // they were sent in virtual time, possibly after RunFor has returned.
    setTimeout(() => {
      for (const socket of term.sockets) socket.write(bytes);
    }, opts.socketDelayMs);
  }
}

function temperatureCenti(seq) {
  const phase = (seq * 7) % 200;
  return 2150 + (phase < 100 ? phase : 200 - phase);
}

function reportLine(seq) {
  const centi = temperatureCenti(seq);
  const frac = String(centi % 100).padStart(2, "0");
  return `{"seq":${seq},"t_ms":${seq * 100},"readings":{"temperature":${Math.floor(centi / 100)}.${frac}}}\r\n`;
}

/** A byte arriving on the firmware's UART at the current virtual time. */
function uartReceive(uart, byte) {
  if (uart !== FIRMWARE_UART || emu.machine?.elf !== true) return;
  const c = String.fromCharCode(byte);
  if (c === "\n" || c === "\r") {
    if (emu.rxLine.length > 0) {
      uartTransmit(uart, `{"rx":"${emu.rxLine}","t_ms":${Math.floor(emu.nowUs / 1000)}}\r\n`);
      emu.rxLine = "";
    }
  } else if (emu.rxLine.length < RX_LINE_MAX) {
    emu.rxLine += c === '"' || c === "\\" || byte < 0x20 || byte > 0x7e ? "?" : c;
  }
}

/** Advances the clock to `untilUs`, printing every reading due on the way. */
function advanceTo(untilUs) {
  for (;;) {
    const seq = emu.reportsDone + 1;
    const at = seq * REPORT_PERIOD_US + FIRMWARE_LATENCY_US;
    if (at > untilUs) break;
    emu.nowUs = at;
    if (emu.machine?.elf === true) uartTransmit(FIRMWARE_UART, reportLine(seq));
    for (let i = 0; i < opts.burst; i++) {
      if (emu.machine?.elf === true) uartTransmit(FIRMWARE_UART, `burst ${seq}.${i}\r\n`);
      process.stdout.write(`[DEBUG] burst ${seq}.${i}\n`);
    }
    emu.reportsDone = seq;
  }
  emu.nowUs = untilUs;
}

function formatTime(us) {
  const s = Math.floor(us / 1_000_000);
  const hh = String(Math.floor(s / 3600)).padStart(2, "0");
  const mm = String(Math.floor(s / 60) % 60).padStart(2, "0");
  const ss = String(s % 60).padStart(2, "0");
  return `${hh}:${mm}:${ss}.${String(us % 1_000_000).padStart(6, "0")}000`;
}

/** Renode's TimeInterval parsing: the first number in the text, in seconds; the match is not anchored, so "10ms" is 10 s. */
function parseInterval(text) {
  const m = /(\d+)(?:\.(\d+))?/.exec(text);
  if (m === null) return null;
  return Number(m[1]) * 1_000_000 + Number(((m[2] ?? "") + "000000").slice(0, 6));
}

// ---------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------

class CommandError extends Error {}

/** Tokenizes like Renode's monitor (the subset used); null marks the first untokenizable position. */
function tokenize(line) {
  const tokens = [];
  let rest = line;
  const rules = [
    [/^"((?:[^"\\]|\\.)*)"/, (m) => ({ kind: "string", value: m[1].replace(/\\(.)/g, "$1") })],
    [/^@((?:\\ |[^\s;])+)/, (m) => ({ kind: "path", value: m[1].replaceAll("\\ ", " ") })],
    [/^0x[0-9a-fA-F]+/, (m) => ({ kind: "number", value: Number.parseInt(m[0], 16) })],
    [/^[+-]?\d+(?:\.\d*)?/, (m) => ({ kind: "number", value: Number(m[0]) })],
    [/^[\w.\-?]+/, (m) => ({ kind: "literal", value: m[0] })],
    [/^\s+/, () => null],
  ];
  outer: while (rest.length > 0) {
    for (const [re, make] of rules) {
      const m = re.exec(rest);
      if (m === null) continue;
      const token = make(m);
      if (token !== null) tokens.push(token);
      rest = rest.slice(m[0].length);
      continue outer;
    }
    return { tokens, failedAt: line.length - rest.length };
  }
  return { tokens, failedAt: null };
}

function readPlatform(path, peripherals, seen) {
  if (seen.has(path)) return;
  seen.add(path);
  let text;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new CommandError(`Could not find file '${path}'.`);
  }
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\/\/.*$/, "");
    const using = /^using\s+"([^"]+)"/.exec(line);
    if (using !== null) {
      const target = using[1];
      const local = isAbsolute(target) ? target : resolve(dirname(path), target);
      if (existsSync(local)) readPlatform(local, peripherals, seen);
      else if (target in LIBRARY) for (const p of LIBRARY[target]) peripherals.add(p);
      else throw new CommandError(`Error E03: Could not find platform file '${target}' (the stand-in's library has only ${Object.keys(LIBRARY).join(", ")}).`);
      continue;
    }
    const decl = /^(?:local\s+)?(\w+):\s*([\w.]+)\s*@\s*sysbus\b/.exec(line);
    if (decl !== null) peripherals.add(decl[1]);
  }
}

function checkElf(path) {
  let bytes;
  try {
    bytes = readFileSync(path);
  } catch {
    throw new CommandError(`Error while loading ELF: Could not find file '${path}'.`);
  }
  const isElf = bytes.length >= 20 && bytes.readUInt32BE(0) === 0x7f454c46;
  if (!isElf) throw new CommandError(`Error while loading ELF: '${path}' is not an ELF file.`);
  if (bytes[4] !== 1 || bytes.readUInt16LE(18) !== 40) throw new CommandError(`Unsupported ELF format - '${path}' is not a 32-bit ARM ELF.`);
}

function needMachine() {
  if (emu.machine === null) throw new CommandError("No machine selected.");
}

function parseBool(token) {
  if (token?.kind === "literal" && /^(true|false)$/i.test(token.value)) return token.value.toLowerCase() === "true";
  throw new CommandError("Bad parameters for command.");
}

function intervalArg(token) {
  const us = token === undefined ? null : parseInterval(String(token.value));
  if (us === null) throw new CommandError("Bad parameters for command.");
  return us;
}

/** Executes one monitor command. Returns output lines, or throws CommandError. Async only for RunFor. */
async function execute(line, session) {
  const { tokens, failedAt } = tokenize(line);
  if (failedAt !== null) {
    return { error: true, lines: ["Could not tokenize here:", line, `${" ".repeat(failedAt)}^`] };
  }
  if (tokens.length === 0) return { lines: [] };
  const [head, verb, ...args] = tokens;
  const name = String(head.value);
  const fail = (message) => ({ error: true, lines: [`There was an error executing command '${line}'`, message] });
  try {
    if (name === "quit" || name === "q") {
      session.quit();
      return { lines: [], quit: true };
    }
    if (name === "currentTime") {
      return { lines: [`Current virtual time: ${formatTime(emu.nowUs)}`, `Current real time: ${formatTime(Math.round(process.uptime() * 1e6))}`] };
    }
    if (name === "start") {
      emu.started = true;
      return { lines: [] };
    }
    if (name === "pause") {
      emu.started = false;
      return { lines: [] };
    }
    if (name === "mach" && verb?.value === "create") {
      const machName = args[0]?.kind === "string" ? args[0].value : "machine-0";
      if (emu.machine !== null) throw new CommandError("The stand-in holds a single machine.");
      emu.machine = { name: machName, peripherals: new Set(), elf: false };
      log("INFO", `${machName}: Machine created.`);
      session.prompt = machName;
      return { lines: [] };
    }
    if (name === "machine" && verb?.value === "LoadPlatformDescription") {
      needMachine();
      if (args[0]?.kind !== "path") throw new CommandError("Bad parameters for command.");
      const peripherals = new Set();
      readPlatform(resolve(args[0].value), peripherals, new Set());
      for (const p of peripherals) emu.machine.peripherals.add(p);
      return { lines: [] };
    }
    if (name === "sysbus" && verb?.value === "LoadELF") {
      needMachine();
      if (args[0]?.kind !== "path") throw new CommandError("Bad parameters for command.");
      checkElf(resolve(args[0].value));
      emu.machine.elf = true;
      log("INFO", "cpu: Setting PC value to 0x8000251.");
      return { lines: [] };
    }
    if (name === "emulation") {
      switch (verb?.value) {
        case "SetGlobalQuantum": {
          const us = intervalArg(args[0]);
          if (us <= 0) throw new CommandError("Quantum must be positive.");
          emu.quantumUs = us;
          return { lines: [] };
        }
        case "SetGlobalSerialExecution":
          emu.serial = parseBool(args[0]);
          return { lines: [] };
        case "SetGlobalAdvanceImmediately":
          emu.advanceImmediately = parseBool(args[0]);
          return { lines: [] };
        case "SetSeed":
          if (args[0]?.kind !== "number" || !Number.isInteger(args[0].value)) throw new CommandError("Bad parameters for command.");
          emu.seed = args[0].value;
          return { lines: [] };
        case "RunFor":
          return await runFor(intervalArg(args[0]));
        case "CreateServerSocketTerminal":
          return await createTerminal(args);
        default:
          return { error: true, lines: [`emulation does not provide a field, method or property ${verb?.value ?? ""}.`] };
      }
    }
    if (name === "connector" && verb?.value === "Connect") {
      const [device, term] = args;
      if (!uartExists(String(device?.value))) throw new CommandError(`No such peripheral: ${device?.value}`);
      const terminal = emu.terminals.get(String(term?.value));
      if (terminal === undefined) throw new CommandError(`No such external: ${term?.value}`);
      terminal.uart = String(device.value);
      return { lines: [] };
    }
    if (head.kind === "literal" && uartExists(name)) {
      if (verb?.value === "CreateFileBackend") {
        if (args[0]?.kind !== "path") throw new CommandError("Bad parameters for command.");
        // Like Renode's SequencedFilePath: an existing file is never overwritten.
        let path = resolve(args[0].value);
        for (let n = 1; existsSync(path); n++) path = `${resolve(args[0].value)}.${n}`;
        const fd = openSync(path, "wx");
        const list = emu.fileBackends.get(name) ?? [];
        list.push(fd);
        emu.fileBackends.set(name, list);
        return { lines: [] };
      }
      if (verb?.value === "WriteChar") {
        const byte = args[0];
        if (byte?.kind !== "number" || !Number.isInteger(byte.value) || byte.value < 0 || byte.value > 255) throw new CommandError("Bad parameters for command.");
        uartReceive(name, byte.value);
        return { lines: [] };
      }
      return { error: true, lines: [`${name} does not provide a field, method or property ${verb?.value ?? ""}.`] };
    }
    return { error: true, lines: [`No such command or device: ${name}`] };
  } catch (error) {
    if (error instanceof CommandError) return fail(error.message);
    throw error;
  }
}

async function runFor(durationUs) {
  if (emu.started) throw new CommandError("This action is not available when emulation is already started");
  const from = emu.nowUs;
  const until = from + durationUs;
  if (opts.crashAtUs !== null && from < opts.crashAtUs && opts.crashAtUs <= until) {
    advanceTo(opts.crashAtUs);
    process.stderr.write("Fatal error: stand-in crash requested by --standin-crash-at-us\n");
    process.exit(134);
  }
  if (opts.hangAtUs !== null && from < opts.hangAtUs && opts.hangAtUs <= until) {
    advanceTo(opts.hangAtUs);
    await new Promise(() => {}); // never returns, like a Renode stuck inside RunFor
  }
  advanceTo(until);
  // Without SetGlobalAdvanceImmediately Renode never runs ahead of the wall clock.
  if (!emu.advanceImmediately) await new Promise((r) => setTimeout(r, durationUs / 1000));
  return { lines: [] };
}

function createTerminal(args) {
  const [port, name, emitConfig] = args;
  if (port?.kind !== "number" || name?.kind !== "string") throw new CommandError("Bad parameters for command.");
  parseBool(emitConfig);
  return new Promise((resolvePromise) => {
    const term = { server: createServer(), sockets: new Set(), uart: null };
    term.server.on("connection", (socket) => {
      term.sockets.add(socket);
      socket.on("close", () => term.sockets.delete(socket));
      socket.on("error", () => {});
      socket.on("data", (data) => {
        if (term.uart !== null) for (const byte of data) uartReceive(term.uart, byte);
      });
    });
    term.server.once("error", (error) => resolvePromise({ error: true, lines: [`There was an error executing command 'emulation CreateServerSocketTerminal'`, error.message] }));
    term.server.listen(port.value, "127.0.0.1", () => {
      emu.terminals.set(name.value, term);
      resolvePromise({ lines: [] });
    });
  });
}

// ---------------------------------------------------------------------------
// The telnet monitor
// ---------------------------------------------------------------------------

const NEGOTIATION = Buffer.from([0xff, 0xfd, 0x00, 0xff, 0xfb, 0x01, 0xff, 0xfb, 0x03, 0xff, 0xfc, 0x22, 0xff, 0xfd, 0x1f]);
const NOISE = ["\x1b[?25l", "\x1b[K", "\x1b7", "\x1b[1;1H", "\x1b8", "\x1b[?25h", "\x1b[0G"];

class Session {
  constructor(socket) {
    this.socket = socket;
    this.prompt = emu.machine?.name ?? "monitor";
    this.input = [];
    this.line = "";
    this.busy = false;
    this.ateFirst = !opts.eatFirstChar;
    this.outQueue = [];
    this.pumping = false;
    this.noiseIndex = 0;
    socket.setNoDelay(true);
    socket.on("data", (data) => {
      for (const byte of data) this.input.push(byte);
      void this.process();
    });
    socket.on("error", () => {});
  }

  noise() {
    if (!opts.escapeNoise) return "";
    return NOISE[this.noiseIndex++ % NOISE.length];
  }

  send(data) {
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    if (!opts.fragment) {
      this.socket.write(bytes);
      return;
    }
    for (let i = 0, size = 1; i < bytes.length; i += size, size = (size % 3) + 1) this.outQueue.push(bytes.subarray(i, i + size));
    if (!this.pumping) this.pump();
  }

  pump() {
    const piece = this.outQueue.shift();
    if (piece === undefined) {
      this.pumping = false;
      return;
    }
    this.pumping = true;
    this.socket.write(piece, () => setTimeout(() => this.pump(), 1));
  }

  greet() {
    this.send(NEGOTIATION);
    const title = opts.escapeNoise ? "\x1b]0;Renode\x07" : "";
    this.send(`${title}Renode, version ${VERSION} (stand-in)\r\n\r\n${this.noise()}(${this.prompt}) `);
  }

  async process() {
    if (this.busy) return;
    this.busy = true;
    while (this.input.length > 0) {
      const byte = this.input.shift();
      if (!this.ateFirst) {
        this.ateFirst = true;
        continue;
      }
      const c = String.fromCharCode(byte);
      if (c === "\n" || c === "\r") {
        // The terminal answers Enter with "\n\r"; "\r\n" is two Enters.
        this.send("\n\r");
        const line = this.line;
        this.line = "";
        const result = await execute(line.trim(), this);
        if (result.quit) return;
        const body = result.lines.map((l) => `${l}\r\n`).join("");
        this.send(`${body}${this.noise()}(${this.prompt}) `);
      } else {
        this.line += c;
        this.send(`${this.noise()}${c}${this.noise()}`);
      }
    }
    this.busy = false;
  }

  quit() {
    const finish = () => {
      for (const fds of emu.fileBackends.values()) for (const fd of fds) closeSync(fd);
      process.exit(0);
    };
    if (this.outQueue.length === 0) this.socket.end(finish);
    else setTimeout(() => this.quit(), 5);
  }
}

function startMonitor() {
  let active = null;
  const waiting = [];
  const activateNext = () => {
    active = null;
    const next = waiting.shift();
    if (next !== undefined) activate(next);
  };
  const activate = (socket) => {
    if (socket.destroyed) return activateNext();
    active = new Session(socket);
    socket.on("close", activateNext);
    active.greet();
  };
  const server = createServer((socket) => {
    // One client at a time: a second one waits until the first disconnects.
    if (active === null) return activate(socket);
    waiting.push(socket);
    socket.on("error", () => {});
    socket.once("close", () => {
      const at = waiting.indexOf(socket);
      if (at >= 0) waiting.splice(at, 1);
    });
  });
  server.on("error", (error) => {
    log("ERROR", `Could not start the monitor on port ${opts.port}: ${error.message}`);
    process.exit(1);
  });
  server.listen(opts.port, "127.0.0.1", () => log("INFO", `Monitor available in telnet mode on port ${opts.port}`));
}

if (opts.pidFile !== null) writeFileSync(opts.pidFile, `${process.pid}`);
if (opts.config !== null && !existsSync(opts.config)) writeFileSync(opts.config, "[general]\n");
if (opts.spawnChild !== null) {
  // A shell's `trap '' TERM` really ignores the signal, and `exec` keeps that.
  const script = `${opts.ignoreSigterm ? "trap '' TERM; " : ""}exec sleep 1000000`;
  const child = spawn("/bin/sh", ["-c", script], { stdio: "ignore" });
  writeFileSync(opts.spawnChild, `${child.pid}`);
}
log("INFO", `Loaded monitor commands from: ${dirname(process.argv[1] ?? ".")}/scripts/monitor.py (stand-in)`);
setTimeout(startMonitor, opts.startupDelayMs);
