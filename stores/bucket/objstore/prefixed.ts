// Thanos's top-level `prefix:`: a bucket whose objects all live under a directory of another.
// Names are checked before the prefix is added, so an error names what the caller asked for.
import { checkObjectName, listPrefix, type ListOptions, type ObjectAttributes, type ObjectBucket, type ObjectContent } from "./bucket.js";

export class PrefixedBucket implements ObjectBucket {
  readonly name: string;
  private readonly prefix: string;

  /** `prefix` without leading or trailing slashes, as Thanos trims it; an empty one is not allowed here. */
  constructor(
    private readonly inner: ObjectBucket,
    prefix: string,
  ) {
    this.prefix = `${prefix.replace(/^\/+|\/+$/g, "")}/`;
    this.name = `${inner.name} under prefix ${JSON.stringify(this.prefix)}`;
  }

  async get(name: string): Promise<Uint8Array> {
    checkObjectName(this.name, "get", name);
    return this.inner.get(this.prefix + name);
  }

  async getRange(name: string, offset: number, length: number): Promise<Uint8Array> {
    checkObjectName(this.name, "get range of", name);
    return this.inner.getRange(this.prefix + name, offset, length);
  }

  async put(name: string, content: ObjectContent): Promise<void> {
    checkObjectName(this.name, "put", name);
    return this.inner.put(this.prefix + name, content);
  }

  async delete(name: string): Promise<void> {
    checkObjectName(this.name, "delete", name);
    return this.inner.delete(this.prefix + name);
  }

  async *list(dir: string, options?: ListOptions): AsyncIterable<string> {
    const dirPrefix = listPrefix(this.name, dir);
    for await (const name of this.inner.list(this.prefix + dirPrefix, options)) yield name.slice(this.prefix.length);
  }

  async exists(name: string): Promise<boolean> {
    checkObjectName(this.name, "check existence of", name);
    return this.inner.exists(this.prefix + name);
  }

  async attributes(name: string): Promise<ObjectAttributes> {
    checkObjectName(this.name, "get attributes of", name);
    return this.inner.attributes(this.prefix + name);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** `bucket` under `prefix`, or `bucket` itself when the prefix is empty. */
export function withPrefix(bucket: ObjectBucket, prefix: string): ObjectBucket {
  return prefix.replace(/^\/+|\/+$/g, "") === "" ? bucket : new PrefixedBucket(bucket, prefix);
}
