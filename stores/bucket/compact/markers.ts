// Thanos's marker files beside a block: deletion-mark.json (delete after a delay) and
// no-compact-mark.json (never compact), with their JSON as Thanos writes them.
import { DELETION_MARK_FILE } from "../gateway/index.js";
import { isNotFound, type ObjectBucket } from "../objstore/index.js";

export { DELETION_MARK_FILE };
export const NO_COMPACT_MARK_FILE = "no-compact-mark.json";

/** When the block was marked for deletion (ms), or undefined when it is not. An unreadable mark counts as marked now. */
export async function readDeletionMark(bucket: ObjectBucket, ulid: string, now: number): Promise<number | undefined> {
  let text: string;
  try {
    text = Buffer.from(await bucket.get(`${ulid}/${DELETION_MARK_FILE}`)).toString("utf8");
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  try {
    const t = (JSON.parse(text) as { deletion_time?: unknown }).deletion_time;
    return typeof t === "number" ? t * 1000 : now;
  } catch {
    return now;
  }
}

/** Writes `<ulid>/deletion-mark.json` (deletion_time in seconds, as Thanos). */
export async function writeDeletionMark(bucket: ObjectBucket, ulid: string, now: number, details: string): Promise<void> {
  const mark = { id: ulid, deletion_time: Math.floor(now / 1000), version: 1, details };
  await bucket.put(`${ulid}/${DELETION_MARK_FILE}`, Buffer.from(JSON.stringify(mark, null, "\t") + "\n"));
}
