// `orrery promql check|format`: check or format PromQL expressions.
import { format, parse, ParseError, type ParseOptions } from "../promql/index.js";

export interface PromqlIO {
  /** The whole of standard input (read on demand). */
  readStdin(): Promise<string>;
  out(line: string): void;
  err(line: string): void;
}

const usage = `usage: orrery promql <command> [flags]

commands:
  check                     read expressions from stdin, one per line; print "ok" or
                            "error <line>:<col>: <message>" for each; exit 1 if any failed
  format [--pretty] [EXPR]  print EXPR (or stdin) as canonical PromQL; --pretty splits
                            long expressions over lines as promtool promql format does

flags:
  --no-experimental         reject Prometheus's experimental syntax and functions
  -h, --help                show this help`;

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

const processIO: PromqlIO = {
  readStdin: () => readAll(process.stdin),
  out: (line) => process.stdout.write(line + "\n"),
  err: (line) => process.stderr.write(line + "\n"),
};

function describe(err: unknown, lineOffset = 0): string {
  if (err instanceof ParseError) {
    const p = err.errors[0];
    if (p !== undefined) return `${p.pos.line + lineOffset}:${p.pos.column}: ${p.message}`;
  }
  return `1:1: ${err instanceof Error ? err.message : String(err)}`;
}

async function check(io: PromqlIO, options: ParseOptions): Promise<number> {
  const text = await io.readStdin();
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  let failed = 0;
  lines.forEach((line, i) => {
    try {
      parse(line, options);
      io.out("ok");
    } catch (err) {
      failed++;
      io.out(`error ${describe(err, i)}`);
    }
  });
  return failed > 0 ? 1 : 0;
}

async function formatCommand(io: PromqlIO, args: string[], options: ParseOptions): Promise<number> {
  let pretty = false;
  const exprs: string[] = [];
  for (const a of args) {
    if (a === "--pretty") pretty = true;
    else if (a.startsWith("-") && a.length > 1 && exprs.length === 0 && !/^-[\d.(]/.test(a)) {
      io.err(`orrery promql format: unknown flag ${a}\n\n${usage}`);
      return 2;
    } else exprs.push(a);
  }
  const input = exprs.length > 0 ? exprs.join(" ") : await io.readStdin();
  try {
    io.out(format(parse(input, options), { pretty }));
    return 0;
  } catch (err) {
    io.err(`error ${describe(err)}`);
    return 1;
  }
}

/** Runs `orrery promql …`; returns the exit code. */
export async function run(argv: string[], io: PromqlIO = processIO): Promise<number> {
  const options: ParseOptions = {};
  const args = argv.filter((a) => {
    if (a === "--no-experimental") {
      options.experimental = false;
      return false;
    }
    return true;
  });
  const [command, ...rest] = args;
  if (command === undefined || command === "help" || command === "--help" || command === "-h" || rest.includes("--help") || rest.includes("-h")) {
    io.out(usage);
    return command === undefined ? 2 : 0;
  }
  if (command === "check") {
    if (rest.length > 0) {
      io.err(`orrery promql check: unexpected argument ${rest[0]}\n\n${usage}`);
      return 2;
    }
    return check(io, options);
  }
  if (command === "format") return formatCommand(io, rest, options);
  io.err(`orrery promql: unknown command "${command}"\n\n${usage}`);
  return 2;
}
