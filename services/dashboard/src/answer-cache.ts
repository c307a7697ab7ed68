/** Reuses answers for a short while and makes concurrent askers share one computation. */
export interface AnswerCache {
  /** The answer under `key`: a fresh one within the TTL, the one being computed, or a new one. */
  get<T>(key: string, compute: () => Promise<T>): Promise<T>;
  /** Forgets every answer. */
  clear(): void;
}

interface Entry {
  readonly value: Promise<unknown>;
  /** performance.now() until which a settled answer is reused; Infinity while it is computing. */
  expires: number;
}

/**
 * A TTL cache of answers. Failures are never reused: the next request asks the source again, so
 * a page reloaded after `dbt build` finishes sees the tables at once. A TTL of 0 still shares
 * one computation among the requests that arrive while it runs.
 */
export function createAnswerCache(ttlMs: number, now: () => number = () => performance.now()) {
  const entries = new Map<string, Entry>();
  const cache: AnswerCache = {
    get<T>(key: string, compute: () => Promise<T>): Promise<T> {
      const found = entries.get(key);
      if (found !== undefined && found.expires > now()) return found.value as Promise<T>;
      const value = compute();
      const entry: Entry = { value, expires: Number.POSITIVE_INFINITY };
      entries.set(key, entry);
      value.then(
        () => {
          entry.expires = now() + ttlMs;
        },
        () => {
          if (entries.get(key) === entry) entries.delete(key);
        },
      );
      return value;
    },
    clear() {
      entries.clear();
    },
  };
  return cache;
}
