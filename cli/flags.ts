// Command-line flags as Prometheus and Thanos spell them: `--name=value`, `--name value`,
// `--name` / `--no-name` for booleans, and repeatable flags (`--endpoint=a --endpoint=b`).
// Every subcommand declares its flags as specs and parses them here.
import { readFileSync } from "node:fs";
import { parseDuration } from "../api/index.js";

export interface FlagSpec {
  name: string;
  help: string;
  default: string;
  boolean?: boolean;
  /** May be given several times; all values are kept in order (`lists`). */
  repeatable?: boolean;
}

export class FlagError extends Error {
  override name = "FlagError";
}

export interface ParsedFlags {
  /** The last value of every flag (its default when not given). */
  values: Record<string, string>;
  /** Every value of each repeatable flag, in the order given. */
  lists: Record<string, string[]>;
  help: boolean;
}

/** Parses argv against specs; aliases rewrite a whole flag (e.g. "no-self-scrape" → "self-scrape.enabled=false"). */
export function parseFlagsWith(specs: readonly FlagSpec[], argv: readonly string[], aliases: Record<string, string> = {}): ParsedFlags {
  const values: Record<string, string> = {};
  const lists: Record<string, string[]> = {};
  for (const f of specs) {
    values[f.name] = f.default;
    if (f.repeatable) lists[f.name] = [];
  }
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i]!;
    if (arg === "--help" || arg === "-h" || arg === "help") {
      help = true;
      continue;
    }
    if (!arg.startsWith("--")) throw new FlagError(`unexpected argument ${JSON.stringify(arg)}`);
    arg = aliases[arg.slice(2)] ?? arg.slice(2);
    const eq = arg.indexOf("=");
    let name = eq < 0 ? arg : arg.slice(0, eq);
    let value: string | undefined = eq < 0 ? undefined : arg.slice(eq + 1);
    let spec = specs.find((f) => f.name === name);
    if (spec === undefined && name.startsWith("no-")) {
      const positive = specs.find((f) => f.name === name.slice(3) && f.boolean);
      if (positive !== undefined && value === undefined) {
        spec = positive;
        name = positive.name;
        value = "false";
      }
    }
    if (spec === undefined) throw new FlagError(`unknown flag --${name}`);
    if (value === undefined) {
      if (spec.boolean) value = "true";
      else if (i + 1 < argv.length) value = argv[++i]!;
      else throw new FlagError(`flag --${name} needs a value`);
    }
    if (spec.boolean && value !== "true" && value !== "false") throw new FlagError(`flag --${name} must be true or false, got ${JSON.stringify(value)}`);
    values[name] = value;
    lists[name]?.push(value);
  }
  return { values, lists, help };
}

/**
 * A subcommand's flags turned into its config; or, after printing the help (exit 0) or
 * the flag error with the usage (exit 2), the exit code.
 */
export function commandConfig<T>(
  command: string,
  argv: readonly string[],
  parse: (argv: readonly string[]) => ParsedFlags,
  toConfig: (flags: ParsedFlags) => T,
  usage: () => string,
): { config: T; flags: ParsedFlags } | number {
  try {
    const flags = parse(argv);
    if (flags.help) {
      console.log(usage());
      return 0;
    }
    return { config: toConfig(flags), flags };
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    console.error(`orrery ${command}: ${err.message}\n\n${usage()}`);
    return 2;
  }
}

/** The help text of a subcommand: its usage line, a description, then one line a flag. */
export function flagUsage(usageLine: string, description: string, specs: readonly FlagSpec[], extra: readonly string[] = []): string {
  const lines = [usageLine, "", description, "", "flags:"];
  for (const f of specs) {
    const shown = f.boolean ? `--[no-]${f.name}` : `--${f.name}=<value>`;
    const dflt = f.repeatable ? "repeatable" : `default: ${f.default === "" ? '""' : f.default}`;
    lines.push(`  ${shown.padEnd(40)} ${f.help} (${dflt})`);
  }
  lines.push(...extra);
  return lines.join("\n");
}

/** A duration flag in Prometheus's syntax; `allowZero` for flags where 0 means "off". */
export function durationFlag(values: Record<string, string>, name: string, allowZero = false): number {
  try {
    const ms = parseDuration(values[name]!);
    if (ms < 0 || (ms === 0 && !allowZero)) throw new Error(allowZero ? "must not be negative" : "must be positive");
    return ms;
  } catch (err) {
    throw new FlagError(`invalid --${name}=${values[name]}: ${(err as Error).message}`);
  }
}

export function integerFlag(values: Record<string, string>, name: string, min: number): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min) throw new FlagError(`invalid --${name}=${values[name]}: want an integer ≥ ${min}`);
  return n;
}

/** host:port or [v6]:port; an empty host listens on every interface. */
export function splitHostPort(address: string, flag = "web.listen-address"): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(address);
  if (m === null) throw new FlagError(`invalid --${flag}=${address}: want host:port`);
  const port = Number(m[3]);
  if (port > 65535) throw new FlagError(`invalid --${flag}=${address}: port out of range`);
  return { host: m[1] ?? (m[2] === "" ? "0.0.0.0" : m[2]!), port };
}

export function joinHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

export type LogLevel = "debug" | "info" | "warn" | "error";
const LEVELS: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function logLevelFlag(values: Record<string, string>): LogLevel {
  const level = values["log.level"];
  if (level === "debug" || level === "info" || level === "warn" || level === "error") return level;
  throw new FlagError(`invalid --log.level=${level}: want debug, info, warn or error`);
}

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

/** logfmt lines as Prometheus writes them; warnings and errors to stderr. */
export function logger(level: LogLevel): Logger {
  const at = (l: LogLevel) => (msg: string) => {
    if (LEVELS[l] < LEVELS[level]) return;
    const line = `ts=${new Date().toISOString()} level=${l} msg=${JSON.stringify(msg)}`;
    if (l === "error" || l === "warn") console.error(line);
    else console.log(line);
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** Resolves on the first SIGINT or SIGTERM. */
export function shutdownSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: string): void => {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
      resolve(sig);
    };
    process.on("SIGINT", on);
    process.on("SIGTERM", on);
  });
}

const BYTE_UNITS: Record<string, number> = { B: 1, KB: 1024, KIB: 1024, MB: 1024 ** 2, MIB: 1024 ** 2, GB: 1024 ** 3, GIB: 1024 ** 3, TB: 1024 ** 4, TIB: 1024 ** 4 };

/** A size as Thanos writes them ("250MB", "1GiB", "0": units of 1024, as Go's units.Base2Bytes); `where` names the flag or key in the error. */
export function byteSize(text: string, where: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B|B)?\s*$/i.exec(text);
  const unit = m === null ? undefined : BYTE_UNITS[(m[2] ?? "B").toUpperCase()];
  if (m === null || unit === undefined) throw new FlagError(`invalid ${where}=${text}: want a size such as 250MB, 1GB or 0`);
  return Math.floor(Number(m[1]) * unit);
}

/** A size flag's value in bytes (see byteSize). */
export function bytesFlag(values: Record<string, string>, name: string): number {
  return byteSize(values[name] ?? "", `--${name}`);
}

/**
 * Thanos's environment substitution in config files: every `$(NAME)` becomes the variable's value,
 * so a secret can come from the environment instead of the file or the command line. An unset
 * variable is an error naming it and `where` (Thanos refuses it too).
 */
export function expandEnv(text: string, where: string, env: Readonly<Record<string, string | undefined>> = process.env): string {
  return text.replace(/\$\(([a-zA-Z_0-9]+)\)/g, (_, name: string) => {
    const value = env[name];
    if (value === undefined) throw new FlagError(`invalid ${where}: found reference to unset environment variable ${JSON.stringify(name)}`);
    return value;
  });
}

/**
 * A Thanos path-or-content flag pair (`--<name>-file` / `--<name>`): the config text, environment
 * substituted, and its source for error messages; undefined when neither flag is given.
 */
export function pathOrContent(values: Record<string, string>, name: string, env: Readonly<Record<string, string | undefined>> = process.env): { text: string; source: string } | undefined {
  const file = values[`${name}-file`] ?? "";
  const inline = values[name] ?? "";
  if (file !== "" && inline !== "") throw new FlagError(`--${name}-file and --${name} are both given: give one`);
  if (file === "" && inline === "") return undefined;
  if (inline !== "") return { text: expandEnv(inline, `--${name}`, env), source: `--${name}` };
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new FlagError(`invalid --${name}-file=${file}: ${(err as Error).message}`);
  }
  return { text: expandEnv(text, `--${name}-file=${file}`, env), source: file };
}
