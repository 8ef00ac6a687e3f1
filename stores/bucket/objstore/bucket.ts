// The one interface every object store implements (the role of Thanos's objstore.Bucket), the
// error every operation throws, and the object-name rules both implementations enforce.

/** What `put` uploads: bytes in memory, a stream of chunks (a Node Readable is one), or a local file. */
export type ObjectContent = Uint8Array | AsyncIterable<Uint8Array> | { readonly path: string };

export interface ObjectAttributes {
  readonly size: number;
  /** Milliseconds since the epoch. */
  readonly lastModified: number;
}

export interface ListOptions {
  /** Every object below the directory; otherwise its objects and its subdirectories as "dir/" entries. */
  readonly recursive?: boolean;
}

/**
 * An object store. Names are `/`-separated paths without a leading `/`; directories are implied by
 * names, as in S3. Every error is a BucketError naming the bucket and the object.
 */
export interface ObjectBucket {
  /** What errors and logs call the bucket: "s3 bucket name" / "filesystem bucket /dir" and its prefix. */
  readonly name: string;
  get(name: string): Promise<Uint8Array>;
  /** `length` bytes from `offset`; a range running past the end stops at the end; an offset past the end is an error. */
  getRange(name: string, offset: number, length: number): Promise<Uint8Array>;
  /** Writes the whole object or nothing: a reader never sees part of it. Overwrites. */
  put(name: string, content: ObjectContent): Promise<void>;
  /** Removes the object; removing one that does not exist is not an error (as in S3). */
  delete(name: string): Promise<void>;
  /** Names in `dir` ("" for the root; "a" and "a/" are the same directory), full names, sorted. */
  list(dir: string, options?: ListOptions): AsyncIterable<string>;
  exists(name: string): Promise<boolean>;
  attributes(name: string): Promise<ObjectAttributes>;
  /** Releases connections; the bucket is not used afterwards. */
  close(): Promise<void>;
}

/** An operation on a bucket failed; the message names the bucket, the operation and the object. */
export class BucketError extends Error {
  override name = "BucketError";
  constructor(
    readonly bucket: string,
    readonly operation: string,
    readonly object: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${bucket}: ${operation} ${JSON.stringify(object)}: ${detail}`, options);
  }
}

/** The object does not exist. */
export class ObjectNotFoundError extends BucketError {
  override name = "ObjectNotFoundError";
}

export function isNotFound(err: unknown): err is ObjectNotFoundError {
  return err instanceof ObjectNotFoundError;
}

/** The reason a name cannot be an object's, or undefined when it can. */
export function invalidObjectName(name: string): string | undefined {
  if (name === "") return "the object name is empty";
  if (name.startsWith("/")) return "an object name must not start with /";
  if (name.endsWith("/")) return "an object name must not end with / (that names a directory)";
  if (name.includes("\0")) return "an object name must not contain a NUL byte";
  if (name.split("/").some((part) => part === "" || part === "." || part === "..")) return "an object name must not have empty, . or .. path segments";
  return undefined;
}

/** Throws a BucketError when `name` cannot be an object's. */
export function checkObjectName(bucket: string, operation: string, name: string): void {
  const reason = invalidObjectName(name);
  if (reason !== undefined) throw new BucketError(bucket, operation, name, reason);
}

/** Throws a BucketError for a negative or fractional range. */
export function checkRange(bucket: string, name: string, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new BucketError(bucket, "get range of", name, `offset ${offset} is not an integer ≥ 0`);
  if (!Number.isSafeInteger(length) || length < 0) throw new BucketError(bucket, "get range of", name, `length ${length} is not an integer ≥ 0`);
}

/** The directory `dir` as a listing prefix: "" stays "", "a" and "a/" become "a/". */
export function listPrefix(bucket: string, dir: string): string {
  if (dir === "" || dir === "/") return "";
  const trimmed = dir.replace(/\/+$/, "");
  const reason = invalidObjectName(trimmed);
  if (reason !== undefined) throw new BucketError(bucket, "list", dir, reason.replace("object name", "directory name"));
  return `${trimmed}/`;
}

/** The chunks of a content stream, checked to be bytes (a stream with an encoding gives strings). */
export async function* byteChunks(source: AsyncIterable<unknown>): AsyncIterable<Uint8Array> {
  for await (const chunk of source) {
    if (!(chunk instanceof Uint8Array)) throw new TypeError(`the content stream gave a ${typeof chunk} chunk; want bytes (a stream without an encoding)`);
    yield chunk;
  }
}

/** Reads a stream of chunks in pieces of at most `limit` bytes (the parts of a multipart upload). */
export class PieceReader {
  private readonly chunks: AsyncIterator<Uint8Array>;
  private rest: Uint8Array | undefined;
  private ended = false;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.chunks = byteChunks(source)[Symbol.asyncIterator]();
  }

  /** The next piece: `limit` bytes, or fewer (maybe none) with `done` when the stream ended. */
  async read(limit: number): Promise<{ bytes: Uint8Array; done: boolean }> {
    const parts: Uint8Array[] = [];
    let size = 0;
    let chunk = this.rest;
    this.rest = undefined;
    while (size < limit) {
      if (chunk === undefined) {
        if (this.ended) break;
        const next = await this.chunks.next();
        if (next.done === true) {
          this.ended = true;
          break;
        }
        chunk = next.value;
      }
      const room = limit - size;
      if (chunk.length > room) this.rest = chunk.subarray(room);
      const used = chunk.length > room ? chunk.subarray(0, room) : chunk;
      parts.push(used);
      size += used.length;
      chunk = undefined;
    }
    return { bytes: Buffer.concat(parts, size), done: this.ended && this.rest === undefined };
  }
}
