// thanos.shipper.json: which local blocks are already in the bucket, as Thanos's shipper
// keeps it in its data directory ({"version": 1, "uploaded": [ULID…]}), so a restart never
// uploads a block twice. orrery adds "cut_before": where the last block cut from the head
// ended, so a restart does not cut the replayed WAL's data again (Thanos readers ignore it).
import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isUlid } from "../block/index.js";

export const SHIPPER_META_FILE = "thanos.shipper.json";
const VERSION = 1;

export interface ShipperMeta {
  readonly uploaded: readonly string[];
  /** -Infinity before the first cut (written as absent). */
  readonly cutBefore: number;
}

/** A thanos.shipper.json that cannot be used; the message names the file and what is wrong. */
export class ShipperMetaError extends Error {
  override name = "ShipperMetaError";
}

/** The meta in `dir`, or an empty one when the file does not exist. */
export async function readShipperMeta(dir: string): Promise<ShipperMeta> {
  const path = join(dir, SHIPPER_META_FILE);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { uploaded: [], cutBefore: -Infinity };
    throw new ShipperMetaError(`${path}: ${(err as Error).message}`);
  }
  return parseShipperMeta(text, path);
}

export function parseShipperMeta(text: string, path: string): ShipperMeta {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ShipperMetaError(`${path}: not JSON: ${(err as Error).message}`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new ShipperMetaError(`${path}: not a JSON object`);
  const r = raw as Record<string, unknown>;
  if (r["version"] !== VERSION) throw new ShipperMetaError(`${path}: version ${JSON.stringify(r["version"])}: only version ${VERSION} is known`);
  const uploaded = r["uploaded"] ?? [];
  if (!Array.isArray(uploaded)) throw new ShipperMetaError(`${path}: "uploaded" must be a list of block ULIDs`);
  uploaded.forEach((u, i) => {
    if (typeof u !== "string" || !isUlid(u)) throw new ShipperMetaError(`${path}: uploaded[${i}] ${JSON.stringify(u)} is not a block ULID`);
  });
  const cut = r["cut_before"];
  if (cut !== undefined && !Number.isSafeInteger(cut)) throw new ShipperMetaError(`${path}: "cut_before" ${JSON.stringify(cut)} is not a time in ms`);
  return { uploaded: uploaded as string[], cutBefore: (cut as number | undefined) ?? -Infinity };
}

/** Writes the meta through a temporary file and a rename, so a crash leaves the old file or the new one. */
export async function writeShipperMeta(dir: string, meta: ShipperMeta): Promise<void> {
  const path = join(dir, SHIPPER_META_FILE);
  const body: Record<string, unknown> = { version: VERSION, uploaded: meta.uploaded };
  if (Number.isFinite(meta.cutBefore)) body["cut_before"] = meta.cutBefore;
  await writeFile(path + ".tmp", JSON.stringify(body, null, "\t") + "\n");
  await rename(path + ".tmp", path);
}
