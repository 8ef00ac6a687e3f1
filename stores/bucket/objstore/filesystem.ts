// A bucket in a local directory: the embedded default, and Thanos's `type: FILESYSTEM`. Objects are
// files under the directory; a put writes a temp file and renames it into place, so a reader sees
// the old object or the new one, never part of one.
import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { copyFile, mkdir, open, readdir, readFile, rename, rm, rmdir, stat, type FileHandle } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { BucketError, byteChunks, checkObjectName, checkRange, listPrefix, ObjectNotFoundError, type ListOptions, type ObjectAttributes, type ObjectBucket, type ObjectContent } from "./bucket.js";

/** Where puts write before the rename; inside the directory so the rename stays on one filesystem. */
const TEMP_DIR = ".orrery-tmp";

/** Read handles kept open for range GETs (a store gateway reads the same index and chunk files over and over). */
const MAX_OPEN_HANDLES = 128;

/** An object open for range reads: which file it was (to notice a replacement) and who is reading it. */
interface OpenObject {
  readonly handle: FileHandle;
  readonly ino: number;
  readonly mtimeMs: number;
  readonly size: number;
  users: number;
  evicted: boolean;
  closed: boolean;
}

export class FilesystemBucket implements ObjectBucket {
  readonly name: string;
  private readonly root: string;
  /** Open read handles by object name, least recently used first. */
  private readonly handles = new Map<string, Promise<OpenObject>>();

  constructor(directory: string) {
    this.root = resolve(directory);
    this.name = `filesystem bucket ${this.root}`;
  }

  async get(name: string): Promise<Uint8Array> {
    checkObjectName(this.name, "get", name);
    try {
      return await readFile(this.path(name));
    } catch (err) {
      throw this.error("get", name, err);
    }
  }

  async getRange(name: string, offset: number, length: number): Promise<Uint8Array> {
    checkObjectName(this.name, "get range of", name);
    checkRange(this.name, name, offset, length);
    try {
      const path = this.path(name);
      for (;;) {
        const o = await this.acquire(name, path);
        try {
          // The stat runs beside the read: a file replaced or removed since it was opened is noticed at no extra wait.
          const [st, bytes] = await Promise.all([stat(path), readRange(o, offset, length)]);
          if (st.ino === o.ino && st.mtimeMs === o.mtimeMs && st.size === o.size) return bytes;
        } finally {
          this.release(o);
        }
        void this.forget(name);
      }
    } catch (err) {
      throw this.error("get range of", name, err);
    }
  }

  /** The object's open handle, opened now or shared with earlier reads (least recently used ones closed beyond the bound). */
  private async acquire(name: string, path: string): Promise<OpenObject> {
    let opening = this.handles.get(name);
    if (opening === undefined) {
      opening = openObject(path);
      const mine = opening;
      mine.catch(() => {
        if (this.handles.get(name) === mine) this.handles.delete(name);
      });
      this.handles.set(name, mine);
      for (const old of this.handles.keys()) {
        if (this.handles.size <= MAX_OPEN_HANDLES) break;
        void this.forget(old);
      }
    } else {
      this.handles.delete(name);
      this.handles.set(name, opening);
    }
    const o = await opening;
    if (o.closed) return this.acquire(name, path);
    o.users++;
    return o;
  }

  private release(o: OpenObject): void {
    o.users--;
    if (o.evicted && o.users === 0) void closeObject(o);
  }

  /** Drops the object's handle (closed once its last reader is done); resolves when closed now or left to that reader. */
  private forget(name: string): Promise<void> {
    const opening = this.handles.get(name);
    if (opening === undefined) return Promise.resolve();
    this.handles.delete(name);
    return opening.then(
      (o) => {
        o.evicted = true;
        return o.users === 0 ? closeObject(o) : undefined;
      },
      () => undefined,
    );
  }

  async put(name: string, content: ObjectContent): Promise<void> {
    checkObjectName(this.name, "put", name);
    const tempDir = join(this.root, TEMP_DIR);
    const temp = join(tempDir, randomUUID());
    try {
      await mkdir(tempDir, { recursive: true });
      await writeContent(temp, content);
      const target = this.path(name);
      await mkdir(dirname(target), { recursive: true });
      await rename(temp, target);
      void this.forget(name);
    } catch (err) {
      await rm(temp, { force: true });
      throw this.error("put", name, err);
    }
  }

  async delete(name: string): Promise<void> {
    checkObjectName(this.name, "delete", name);
    try {
      await rm(this.path(name), { force: true });
      void this.forget(name);
      await this.removeEmptyParents(name);
    } catch (err) {
      throw this.error("delete", name, err);
    }
  }

  async *list(dir: string, options: ListOptions = {}): AsyncIterable<string> {
    const prefix = listPrefix(this.name, dir);
    let names: string[];
    try {
      names = options.recursive === true ? await this.walk(prefix) : await this.entries(prefix);
    } catch (err) {
      throw this.error("list", dir, err);
    }
    yield* names.sort();
  }

  async exists(name: string): Promise<boolean> {
    checkObjectName(this.name, "check existence of", name);
    try {
      return (await stat(this.path(name))).isFile();
    } catch (err) {
      if (isMissing(err)) return false;
      throw this.error("check existence of", name, err);
    }
  }

  async attributes(name: string): Promise<ObjectAttributes> {
    checkObjectName(this.name, "get attributes of", name);
    try {
      const st = await stat(this.path(name));
      if (!st.isFile()) throw new ObjectNotFoundError(this.name, "get attributes of", name, "object not found (a directory is there)");
      return { size: st.size, lastModified: st.mtimeMs };
    } catch (err) {
      throw this.error("get attributes of", name, err);
    }
  }

  /** Closes the open read handles (reads in flight finish first); the bucket stays usable. */
  async close(): Promise<void> {
    await Promise.all([...this.handles.keys()].map((name) => this.forget(name)));
  }

  private path(name: string): string {
    return join(this.root, ...name.split("/"));
  }

  /** The objects and "sub/" directories directly in `prefix` (which ends in "/" or is ""). */
  private async entries(prefix: string): Promise<string[]> {
    const dirents = await readdirOrEmpty(join(this.root, ...prefix.split("/")));
    return dirents.filter((d) => !(prefix === "" && d.name === TEMP_DIR)).map((d) => (d.isDirectory() ? `${prefix}${d.name}/` : `${prefix}${d.name}`));
  }

  /** Every object below `prefix`. */
  private async walk(prefix: string): Promise<string[]> {
    const out: string[] = [];
    for (const entry of await this.entries(prefix)) {
      if (entry.endsWith("/")) out.push(...(await this.walk(entry)));
      else out.push(entry);
    }
    return out;
  }

  /** Removes the directories a delete left empty, as S3 has no empty directories. */
  private async removeEmptyParents(name: string): Promise<void> {
    const parts = name.split("/").slice(0, -1);
    for (let n = parts.length; n > 0; n--) {
      try {
        await rmdir(join(this.root, ...parts.slice(0, n)));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "ENOTEMPTY" || code === "EEXIST" || code === "ENOENT") return;
        throw err;
      }
    }
  }

  private error(operation: string, name: string, err: unknown): BucketError {
    if (err instanceof BucketError) return err;
    if (isMissing(err)) return new ObjectNotFoundError(this.name, operation, name, "object not found", { cause: err });
    return new BucketError(this.name, operation, name, (err as Error).message, { cause: err });
  }
}

async function openObject(path: string): Promise<OpenObject> {
  const handle = await open(path, "r");
  try {
    const st = await handle.stat();
    return { handle, ino: st.ino, mtimeMs: st.mtimeMs, size: st.size, users: 0, evicted: false, closed: false };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

function closeObject(o: OpenObject): Promise<void> {
  if (o.closed) return Promise.resolve();
  o.closed = true;
  return o.handle.close().catch(() => undefined);
}

/** Bytes [offset, offset+length) of an open object, fewer at its end. */
async function readRange(o: OpenObject, offset: number, length: number): Promise<Uint8Array> {
  if (offset > o.size) throw new Error(`offset ${offset} is past the end of the object (${o.size} bytes)`);
  const buf = Buffer.allocUnsafe(Math.min(length, o.size - offset));
  let done = 0;
  while (done < buf.length) {
    const { bytesRead } = await o.handle.read(buf, done, buf.length - done, offset + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return buf.subarray(0, done);
}

async function writeContent(path: string, content: ObjectContent): Promise<void> {
  if (content instanceof Uint8Array) {
    const handle = await open(path, "w");
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return;
  }
  if ("path" in content) {
    await copyFile(content.path, path);
    return;
  }
  await pipeline(byteChunks(content), createWriteStream(path));
}

async function readdirOrEmpty(dir: string) {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (isMissing(err) || (err as NodeJS.ErrnoException).code === "ENOTDIR") return [];
    throw err;
  }
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR";
}
