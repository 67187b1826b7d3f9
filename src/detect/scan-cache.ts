/**
 * Detector results remembered by text. A conversation re-sends its whole history on every turn, and
 * an agent loop its system prompt and tool results, so most text a guardrail sees it has already
 * scanned; the detectors are pure functions of the text (and the policy's fixed options), so the
 * earlier result is the answer. Bounded by the characters of text kept (least recently used go
 * first), and partitioned by caller: a hit is faster than a scan, and that difference must not tell
 * one caller what another sent.
 *
 * One map per partition, keyed by the text itself: no key is built per lookup, and a string's hash
 * is computed once and shared by every policy that looks it up. A hit moves its entry to the end of
 * the map under the string it was first stored with: re-keying it by the caller's equal string would
 * make the map hold every request's copy of the text in turn, so each hit would carry the request's
 * strings into the old generation and leave the previous request's there as garbage.
 */
export class ScanCache<V> {
  /** Partitions in order of use (least recent first); in each, texts in order of use. */
  readonly #partitions = new Map<string, Map<string, Entry<V>>>();
  readonly #maxChars: number;
  #chars = 0;

  /** `maxChars`: total length of the texts kept; 0 keeps nothing. */
  constructor(maxChars: number) {
    this.#maxChars = maxChars;
  }

  /** Texts shorter than this are scanned every time: cheaper than keeping them. */
  static readonly MIN_CHARS = 32;

  /** The result for `text` in `partition`: remembered, or computed by `scan` and remembered. */
  get(partition: string, text: string, scan: (text: string) => V): V {
    if (this.#maxChars === 0 || text.length < ScanCache.MIN_CHARS || text.length > this.#maxChars) return scan(text);
    const partitions = this.#partitions;
    let entries = partitions.get(partition);
    if (entries !== undefined) {
      // Most recently used moves to the end; eviction starts at the front.
      partitions.delete(partition);
      partitions.set(partition, entries);
      const hit = entries.get(text);
      if (hit !== undefined) {
        entries.delete(text);
        entries.set(hit.text, hit);
        return hit.value;
      }
    } else {
      entries = new Map();
      partitions.set(partition, entries);
    }
    const value = scan(text);
    entries.set(text, new Entry(text, value));
    this.#chars += text.length;
    if (this.#chars > this.#maxChars) this.#evict();
    return value;
  }

  #evict(): void {
    for (const [partition, entries] of this.#partitions) {
      for (const text of entries.keys()) {
        entries.delete(text);
        this.#chars -= text.length;
        if (this.#chars <= this.#maxChars) break;
      }
      if (entries.size === 0) this.#partitions.delete(partition);
      if (this.#chars <= this.#maxChars) return;
    }
  }

  /** Entries and characters kept (for tests and metrics). */
  get size(): { entries: number; chars: number } {
    let entries = 0;
    for (const map of this.#partitions.values()) entries += map.size;
    return { entries, chars: this.#chars };
  }
}

/** A remembered result and the string its map entry was first keyed by. */
class Entry<V> {
  constructor(
    readonly text: string,
    readonly value: V,
  ) {}
}
