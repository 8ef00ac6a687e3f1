// Where cache entries live: the interface every backend offers, and the
// default in-process LRU bounded in bytes.
import { LRUCache } from "lru-cache";

/** A byte store under string keys. Failures reject; the frontend counts them and goes on uncached. */
export interface CacheBackend {
  /** The `backend` label of the frontend's metrics ("inmemory", "redis"). */
  readonly name: string;
  get(key: string): Promise<Buffer | undefined>;
  set(key: string, value: Buffer): Promise<void>;
  close(): Promise<void>;
}

export interface InMemoryOptions {
  /** Largest total size of the entries, bytes. */
  maxSizeBytes: number;
  /** Entries older than this are dropped, ms; 0: never. */
  ttlMs?: number;
}

/** Entries in this process, least recently used dropped first once maxSizeBytes is reached. */
export class InMemoryBackend implements CacheBackend {
  readonly name = "inmemory";
  private readonly lru: LRUCache<string, Buffer>;

  constructor(options: InMemoryOptions) {
    this.lru = new LRUCache<string, Buffer>({
      maxSize: options.maxSizeBytes,
      // A key costs its UTF-16 string beside the value.
      sizeCalculation: (value, key) => value.length + key.length * 2,
      ...(options.ttlMs !== undefined && options.ttlMs > 0 ? { ttl: options.ttlMs } : {}),
    });
  }

  async get(key: string): Promise<Buffer | undefined> {
    return this.lru.get(key);
  }

  async set(key: string, value: Buffer): Promise<void> {
    // An entry larger than the whole cache is refused by lru-cache; it simply stays uncached.
    this.lru.set(key, value);
  }

  /** Bytes held now. */
  get sizeBytes(): number {
    return this.lru.calculatedSize;
  }

  async close(): Promise<void> {
    this.lru.clear();
  }
}
