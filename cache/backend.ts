// Where cache entries live: the interface every backend offers, and the
// default in-process LRU bounded in bytes.
import { LRUCache } from "lru-cache";

/** A byte store under string keys. Failures reject; the frontend counts them and goes on uncached. */
export interface CacheBackend {
  /** The `backend` label of the frontend's metrics ("inmemory", "redis"). */
  readonly name: string;
  get(key: string): Promise<Buffer | undefined>;
  set(key: string, value: Buffer): Promise<void>;
  /** The form kept for key by keepForm, while key still holds these bytes; undefined otherwise. */
  keptForm(key: string, value: Buffer): unknown;
  /** Keeps a form derived from value (its decoded, rendered answer) in process beside key, counted as `bytes` in a byte bound. */
  keepForm(key: string, value: Buffer, form: unknown, bytes: number): void;
  /**
   * The form kept for key when the backend can tell, without reading the bytes back, that key
   * still holds the bytes it came from (Redis: their digest); undefined: get the bytes.
   */
  currentForm(key: string): Promise<unknown>;
  close(): Promise<void>;
}

export interface InMemoryOptions {
  /** Largest total size of the entries, bytes. */
  maxSizeBytes: number;
  /** Entries older than this are dropped, ms; 0: never. */
  ttlMs?: number;
}

/** A value, and the form derived from it kept beside it with that form's size. */
interface Entry {
  value: Buffer;
  form: unknown;
  formBytes: number;
}

/** Values with their derived forms in process, least recently used dropped first once maxSizeBytes is reached. */
export class ByteLru {
  private readonly lru: LRUCache<string, Entry>;

  constructor(options: InMemoryOptions) {
    this.lru = new LRUCache<string, Entry>({
      maxSize: options.maxSizeBytes,
      // A key costs its UTF-16 string beside the value and its kept form.
      sizeCalculation: (e, key) => Math.max(1, e.value.length + e.formBytes + key.length * 2),
      ...(options.ttlMs !== undefined && options.ttlMs > 0 ? { ttl: options.ttlMs } : {}),
    });
  }

  get(key: string): Buffer | undefined {
    return this.lru.get(key)?.value;
  }

  /** The form kept beside key's value, used as a get uses the entry (it becomes the most recent). */
  form(key: string): unknown {
    return this.lru.get(key)?.form;
  }

  /** A new value drops the form kept for the old one. An entry larger than the whole bound is refused by lru-cache; it stays uncached. */
  set(key: string, value: Buffer): void {
    this.lru.set(key, { value, form: undefined, formBytes: 0 });
  }

  keptForm(key: string, value: Buffer): unknown {
    const e = this.lru.peek(key);
    // The same Buffer in process; equal bytes when they came again from elsewhere (Redis).
    if (e === undefined || (e.value !== value && !e.value.equals(value))) return undefined;
    return e.form;
  }

  keepForm(key: string, value: Buffer, form: unknown, bytes: number): void {
    // lru-cache drops an entry too big for the bound: keep the bytes then, without the form.
    if (value.length + bytes + key.length * 2 > this.lru.maxSize) return;
    // Keeping a form does not make the entry younger.
    this.lru.set(key, { value, form, formBytes: bytes }, { noUpdateTTL: true });
  }

  /** Bytes held now, values and kept forms together. */
  get sizeBytes(): number {
    return this.lru.calculatedSize;
  }

  clear(): void {
    this.lru.clear();
  }
}

/** Entries in this process, their decoded forms counted in the same byte bound. */
export class InMemoryBackend implements CacheBackend {
  readonly name = "inmemory";
  private readonly entries: ByteLru;

  constructor(options: InMemoryOptions) {
    this.entries = new ByteLru(options);
  }

  async get(key: string): Promise<Buffer | undefined> {
    return this.entries.get(key);
  }

  async set(key: string, value: Buffer): Promise<void> {
    this.entries.set(key, value);
  }

  keptForm(key: string, value: Buffer): unknown {
    return this.entries.keptForm(key, value);
  }

  keepForm(key: string, value: Buffer, form: unknown, bytes: number): void {
    // Kept only beside the value the key holds now: a form never outlives its bytes.
    if (this.entries.get(key) === value) this.entries.keepForm(key, value, form, bytes);
  }

  /** The entry and its form live together in this process: a kept form is always current. */
  async currentForm(key: string): Promise<unknown> {
    return this.entries.form(key);
  }

  /** Bytes held now, values and kept forms together. */
  get sizeBytes(): number {
    return this.entries.sizeBytes;
  }

  async close(): Promise<void> {
    this.entries.clear();
  }
}
