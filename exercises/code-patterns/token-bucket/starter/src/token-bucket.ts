/**
 * Token bucket: holds at most `capacity` tokens (the burst) and refills
 * continuously at `refillPerSecond`. Time comes from an injectable clock so
 * the bucket can be tested without sleeping.
 *
 * This first draft "works" for the happy path. Read README.md: several
 * requirements are not met yet.
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

export class TokenBucket {
  readonly capacity: number;
  readonly refillPerSecond: number;
  private readonly clock: Clock;
  private tokens: number;
  private last: number;

  constructor(options: TokenBucketOptions) {
    this.capacity = options.capacity;
    this.refillPerSecond = options.refillPerSecond;
    this.clock = options.clock ?? (() => performance.now());
    this.tokens = options.capacity;
    this.last = this.clock();
  }

  private refill(): void {
    const now = this.clock();
    const earned = Math.floor(((now - this.last) * this.refillPerSecond) / 1000);
    this.tokens += earned;
    this.last = now;
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
    this.refill();
    if (this.tokens >= n) {
      this.tokens -= n;
      return true;
    }
    return false;
  }

  /**
   * Milliseconds until `n` tokens will be available: 0 if they are available
   * now, Infinity if `n` exceeds capacity (it can never succeed).
   */
  msUntilAvailable(n = 1): number {
    return ((n - this.tokens) / this.refillPerSecond) * 1000;
  }
}

export interface BucketStoreOptions extends TokenBucketOptions {
  /** Maximum number of buckets kept in memory. Integer >= 1. */
  maxKeys: number;
}

/** One TokenBucket per key (API key, client IP, ...). */
export class BucketStore {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly options: BucketStoreOptions;

  constructor(options: BucketStoreOptions) {
    this.options = { ...options };
  }

  /** Returns the bucket for `key`, creating a full one if needed. */
  get(key: string): TokenBucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(this.options);
      this.buckets.set(key, bucket);
    }
    // TODO: respect maxKeys
    return bucket;
  }

  /** Whether a bucket for `key` is currently held. */
  has(key: string): boolean {
    return this.buckets.has(key);
  }

  /** Number of buckets currently held. */
  get size(): number {
    return this.buckets.size;
  }
}
