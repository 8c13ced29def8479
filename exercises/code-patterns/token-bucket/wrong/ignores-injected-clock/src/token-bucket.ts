/**
 * Token bucket: holds at most `capacity` tokens (the burst) and refills
 * continuously at `refillPerSecond`, fractions included. Time comes from an
 * injectable clock so the bucket can be tested without sleeping.
 */

/** Returns the current time in milliseconds. Should be monotonic. */
export type Clock = () => number;

export interface TokenBucketOptions {
  /** Maximum number of tokens (the burst size). Finite and > 0. */
  capacity: number;
  /** Tokens added per second. Finite and > 0; fractional values allowed. */
  refillPerSecond: number;
  /** Time source in milliseconds. Defaults to `performance.now()`. */
  clock?: Clock;
}

const defaultClock: Clock = () => performance.now();

function assertPositive(name: string, value: number): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a finite number > 0, got ${String(value)}`);
  }
}

export class TokenBucket {
  readonly capacity: number;
  readonly refillPerSecond: number;
  private readonly clock: Clock;
  private tokens: number;
  private last: number;

  constructor(options: TokenBucketOptions) {
    assertPositive("capacity", options.capacity);
    assertPositive("refillPerSecond", options.refillPerSecond);
    this.capacity = options.capacity;
    this.refillPerSecond = options.refillPerSecond;
    this.clock = defaultClock;
    this.tokens = options.capacity; // a new bucket starts full
    this.last = this.clock();
  }

  /** Adds the tokens earned since the last call, capped at capacity. */
  private refill(): void {
    const now = this.clock();
    // A clock that goes backwards (wall clock adjusted) earns nothing.
    const elapsedMs = Math.max(0, now - this.last);
    this.last = Math.max(this.last, now);
    if (elapsedMs > 0 && this.tokens < this.capacity) {
      this.tokens = Math.min(this.capacity, this.tokens + (elapsedMs * this.refillPerSecond) / 1000);
    }
  }

  /** Tokens available right now, possibly fractional, in [0, capacity]. */
  available(): number {
    this.refill();
    return this.tokens;
  }

  /**
   * Removes `n` tokens if they are all available and returns true;
   * otherwise removes nothing and returns false.
   */
  tryRemove(n = 1): boolean {
    assertPositive("n", n);
    this.refill();
    if (n > this.capacity || this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }

  /**
   * Milliseconds until `n` tokens will be available: 0 if they are available
   * now, Infinity if `n` exceeds capacity (it can never succeed).
   */
  msUntilAvailable(n = 1): number {
    assertPositive("n", n);
    if (n > this.capacity) return Infinity;
    this.refill();
    if (this.tokens >= n) return 0;
    return ((n - this.tokens) / this.refillPerSecond) * 1000;
  }
}

export interface BucketStoreOptions extends TokenBucketOptions {
  /** Maximum number of buckets kept in memory. Integer >= 1. */
  maxKeys: number;
}

/**
 * One TokenBucket per key (API key, client IP, ...), with at most `maxKeys`
 * buckets in memory. When a new key would exceed the limit, the least
 * recently used bucket is evicted. A Map keeps insertion order, so deleting
 * and re-inserting a key on every access makes the first entry the LRU one.
 */
export class BucketStore {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly options: BucketStoreOptions;

  constructor(options: BucketStoreOptions) {
    assertPositive("capacity", options.capacity);
    assertPositive("refillPerSecond", options.refillPerSecond);
    if (!Number.isInteger(options.maxKeys) || options.maxKeys < 1) {
      throw new RangeError(`maxKeys must be an integer >= 1, got ${String(options.maxKeys)}`);
    }
    this.options = { ...options };
  }

  /** Returns the bucket for `key`, creating a full one if needed, and marks it most recently used. */
  get(key: string): TokenBucket {
    let bucket = this.buckets.get(key);
    if (bucket) {
      this.buckets.delete(key);
    } else {
      bucket = new TokenBucket(this.options);
      while (this.buckets.size >= this.options.maxKeys) {
        const oldest = this.buckets.keys().next().value as string;
        this.buckets.delete(oldest);
      }
    }
    this.buckets.set(key, bucket);
    return bucket;
  }

  /** Whether a bucket for `key` is currently held. Does not change recency. */
  has(key: string): boolean {
    return this.buckets.has(key);
  }

  /** Number of buckets currently held (never more than maxKeys). */
  get size(): number {
    return this.buckets.size;
  }
}
