/**
 * HPACK indexing tables (RFC 7541 §2.3): the static table and one direction's dynamic table.
 *
 * A capture may start mid-connection or lose bytes, so the dynamic table we hold is the newest
 * part of the peer's table, never more: an index is always counted from the newest entry, so the
 * entries we hold keep their true indexes however many older ones we lack. A reference past what
 * we hold is unknown, never a wrong entry. Evicting earlier than the peer (our memory cap) only
 * turns later references into unknowns; holding an entry the peer evicted is harmless, since the
 * peer never refers to it again.
 */

export interface TableEntry {
  /** Undefined when the entry copied its name from an entry we do not hold. */
  readonly name: string | undefined;
  readonly value: string;
  /** RFC 7541 §4.1 size: name octets + value octets + 32 (a lower bound when the name is unknown). */
  readonly size: number;
}

/** RFC 7541 §4.1: every entry costs 32 octets beyond its name and value. */
export const ENTRY_OVERHEAD = 32;

/** SETTINGS_HEADER_TABLE_SIZE before any SETTINGS (RFC 9113 §6.5.2). */
export const DEFAULT_TABLE_SIZE = 4096;

const STATIC_ENTRIES: ReadonlyArray<readonly [string, string]> = [
  [':authority', ''],
  [':method', 'GET'],
  [':method', 'POST'],
  [':path', '/'],
  [':path', '/index.html'],
  [':scheme', 'http'],
  [':scheme', 'https'],
  [':status', '200'],
  [':status', '204'],
  [':status', '206'],
  [':status', '304'],
  [':status', '400'],
  [':status', '404'],
  [':status', '500'],
  ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'],
  ['accept-language', ''],
  ['accept-ranges', ''],
  ['accept', ''],
  ['access-control-allow-origin', ''],
  ['age', ''],
  ['allow', ''],
  ['authorization', ''],
  ['cache-control', ''],
  ['content-disposition', ''],
  ['content-encoding', ''],
  ['content-language', ''],
  ['content-length', ''],
  ['content-location', ''],
  ['content-range', ''],
  ['content-type', ''],
  ['cookie', ''],
  ['date', ''],
  ['etag', ''],
  ['expect', ''],
  ['expires', ''],
  ['from', ''],
  ['host', ''],
  ['if-match', ''],
  ['if-modified-since', ''],
  ['if-none-match', ''],
  ['if-range', ''],
  ['if-unmodified-since', ''],
  ['last-modified', ''],
  ['link', ''],
  ['location', ''],
  ['max-forwards', ''],
  ['proxy-authenticate', ''],
  ['proxy-authorization', ''],
  ['range', ''],
  ['referer', ''],
  ['refresh', ''],
  ['retry-after', ''],
  ['server', ''],
  ['set-cookie', ''],
  ['strict-transport-security', ''],
  ['transfer-encoding', ''],
  ['user-agent', ''],
  ['vary', ''],
  ['via', ''],
  ['www-authenticate', ''],
];

/** RFC 7541 Appendix A, indexed from 1 as on the wire (index 0 is unused). */
export const STATIC_TABLE: readonly TableEntry[] = [
  { name: '', value: '', size: 0 },
  ...STATIC_ENTRIES.map(([name, value]) => ({ name, value, size: name.length + value.length + ENTRY_OVERHEAD })),
];

export const STATIC_TABLE_LENGTH = STATIC_ENTRIES.length;

export class DynamicTable {
  /** Oldest entry at `first`, newest at the end; evicted slots before `first` are reclaimed in bulk. */
  private entries: TableEntry[] = [];
  private first = 0;
  private bytes = 0;
  /** The maximum the peer's encoder set (size updates, SETTINGS); starts at the protocol default. */
  private maxSize = DEFAULT_TABLE_SIZE;

  /** @param memoryCap most bytes held whatever the peer allows. */
  constructor(private readonly memoryCap: number) {}

  get length(): number {
    return this.entries.length - this.first;
  }

  /** RFC 7541 size of the entries held. */
  get size(): number {
    return this.bytes;
  }

  /** Entry at dynamic index 1..length (1 = newest), or undefined when we do not hold it. */
  get(index: number): TableEntry | undefined {
    return index >= 1 && index <= this.length ? this.entries[this.entries.length - index] : undefined;
  }

  /**
   * RFC 7541 §4.4: evict from the oldest end until the entry fits, then add it. An entry larger
   * than the whole table empties it and is not added.
   */
  add(entry: TableEntry): void {
    const bound = this.bound();
    if (entry.size > bound) {
      this.clear();
      return;
    }
    this.evictTo(bound - entry.size);
    this.entries.push(entry);
    this.bytes += entry.size;
  }

  /** A dynamic table size update (RFC 7541 §6.3), or a lowered SETTINGS_HEADER_TABLE_SIZE. */
  setMaxSize(maxSize: number): void {
    this.maxSize = maxSize;
    this.evictTo(this.bound());
  }

  get currentMaxSize(): number {
    return this.maxSize;
  }

  /** Forgets every entry, keeping the maximum size: after lost bytes nothing held can be trusted. */
  clear(): void {
    this.entries = [];
    this.first = 0;
    this.bytes = 0;
  }

  private bound(): number {
    return Math.min(this.maxSize, this.memoryCap);
  }

  private evictTo(limit: number): void {
    while (this.bytes > limit && this.first < this.entries.length) {
      this.bytes -= this.entries[this.first]!.size;
      this.first++;
    }
    // Reclaim evicted slots once they are the larger part of the array: amortised O(1) per eviction.
    if (this.first > 32 && this.first * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.first);
      this.first = 0;
    }
  }
}
