// A read-through cache: fresh values come from memory, misses call the loader, and concurrent
// misses for one key share a single call to it (single-flight). At most `maxEntries` values
// are kept; when a new one does not fit, the least recently used one goes.

export type Cached<V> = {
  value: V;
  /** When the value stops being fresh (ms since the epoch, like Date.now()). */
  expiresAt: number;
};

export type CacheOptions<V> = {
  ttlMs: number;
  maxEntries: number;
  load: (key: string) => Promise<V>;
  now?: () => number;
};

export class ReadThroughCache<V> {
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly load: (key: string) => Promise<V>;
  private readonly now: () => number;
  /** A Map iterates in insertion order: re-inserting on every hit keeps the LRU entry first. */
  private readonly entries = new Map<string, Cached<V>>();
  /** The loads in progress, one per key. */
  private readonly inflight = new Map<string, Promise<Cached<V>>>();

  constructor(options: CacheOptions<V>) {
    this.ttlMs = options.ttlMs;
    this.maxEntries = options.maxEntries;
    this.load = options.load;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /** A fresh cached value, or the result of the one load in progress for this key (started if needed). */
  get(key: string): Promise<Cached<V>> {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      // Expired: never served. The load below replaces it.
      if (hit.expiresAt > this.now()) {
        this.entries.set(key, hit);
        return Promise.resolve(hit);
      }
    }

    const flight: Promise<Cached<V>> = Promise.resolve()
      .then(() => this.load(key))
      .then(
        (value) => {
          const entry = { value, expiresAt: this.now() + this.ttlMs };
          // Stored only if this load is still the current one: an invalidate() while it ran
          // means its value may predate the change and must not land in the cache.
          if (this.inflight.get(key) === flight) {
            this.inflight.delete(key);
            this.store(key, entry);
          }
          return entry;
        },
        (err: unknown) => {
          // Failures are not cached: the next request tries again.
          if (this.inflight.get(key) === flight) this.inflight.delete(key);
          throw err;
        },
      );
    this.inflight.set(key, flight);
    return flight;
  }

  /** Forgets the key's value and detaches any load in progress for it. */
  invalidate(key: string): void {
    this.entries.delete(key);
    this.inflight.delete(key);
  }

  private store(key: string, entry: Cached<V>): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }
}
