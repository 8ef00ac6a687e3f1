// `orrery tsdb create-blocks-from openmetrics FILE [DIR]`: TSDB blocks straight from a text
// exposition file, as `promtool tsdb create-blocks-from openmetrics` makes them.
import { createBlocksFromExposition } from "../stores/index.js";
import { FlagError, commandConfig, durationFlag, flagUsage, parseFlagsWith, type FlagSpec, type ParsedFlags } from "./flags.js";

const FLAGS: readonly FlagSpec[] = [
  { name: "max-block-duration", help: "largest block to create: 2h, or 2h·3^k (6h, 18h, …) when this allows", default: "2h" },
];

const USAGE_LINE = "usage: orrery tsdb create-blocks-from openmetrics FILE [DIR] [flags]";
const DESCRIPTION = `Writes Prometheus TSDB blocks (one per aligned block-duration window) from an OpenMetrics
(or Prometheus text) file with timestamps into DIR (default "data/"), without a head or WAL.
The blocks open in Prometheus 2.x, Thanos and \`orrery\`'s block store.`;

function usage(): string {
  return flagUsage(USAGE_LINE, DESCRIPTION, FLAGS);
}

interface CreateArgs {
  readonly file: string;
  readonly dir: string;
  readonly maxBlockDurationMs: number;
}

/** argv after `create-blocks-from`. */
export async function run(argv: string[]): Promise<number> {
  const got = commandConfig("tsdb create-blocks-from", argv, parseArgs, toArgs, usage);
  if (typeof got === "number") return got;
  const { file, dir, maxBlockDurationMs } = got.config;
  const started = Date.now();
  try {
    const report = await createBlocksFromExposition(file, dir, { maxBlockDurationMs });
    for (const b of report.blocks) {
      console.log(
        `BLOCK ULID ${b.ulid}  MIN TIME ${b.minTime}  MAX TIME ${b.maxTime}  ` +
          `SAMPLES ${b.stats.numSamples}  SERIES ${b.stats.numSeries}  CHUNKS ${b.stats.numChunks}`,
      );
    }
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    console.log(`wrote ${report.blocks.length} blocks of ${report.blockDurationMs / 3_600_000}h with ${report.samples} samples into ${dir} in ${secs}s`);
    return 0;
  } catch (err) {
    console.error(`orrery tsdb create-blocks-from: ${(err as Error).message}`);
    return 1;
  }
}

/** The positional words (kind, FILE, DIR) apart from the flags. */
function parseArgs(argv: readonly string[]): ParsedFlags & { positional: string[] } {
  const positional: string[] = [];
  const flags: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("-")) positional.push(arg);
    else {
      flags.push(arg);
      if (arg.startsWith("--") && !arg.includes("=") && i + 1 < argv.length && FLAGS.some((f) => `--${f.name}` === arg)) flags.push(argv[++i]!);
    }
  }
  return { ...parseFlagsWith(FLAGS, flags), positional };
}

function toArgs(flags: ParsedFlags & { positional?: string[] }): CreateArgs {
  const [kind, file, dir, ...extra] = flags.positional ?? [];
  if (kind !== "openmetrics") throw new FlagError(kind === undefined ? "missing input kind (openmetrics)" : `unknown input kind "${kind}" (only openmetrics)`);
  if (file === undefined) throw new FlagError("missing FILE");
  if (extra.length > 0) throw new FlagError(`unexpected argument ${JSON.stringify(extra[0])}`);
  return { file, dir: dir ?? "data/", maxBlockDurationMs: durationFlag(flags.values, "max-block-duration") };
}
