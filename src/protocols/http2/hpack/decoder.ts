/**
 * HPACK header block decoder (RFC 7541) for one direction of one connection, built for passive
 * capture: it never throws, it decodes what it can when its dynamic table is incomplete (capture
 * started mid-connection, bytes lost), and it says how many fields it had to leave out.
 *
 * Every header block of the direction must go through decode(), in order, including blocks of
 * streams nobody reports on: blocks insert entries, and a skipped block shifts every later index.
 * A block that cannot be decoded at all (too large, cut short) must be followed by
 * forgetDynamicTable().
 *
 * Field names and values are latin1 strings (one char per octet, lossless), exactly as sent:
 * HTTP/2 names are lower case by rule (RFC 9113 §8.2.1, peers reset streams that break it) and
 * values carry no optional whitespace, so nothing is folded or trimmed.
 */
import { huffmanDecode } from './huffman.js';
import { DynamicTable, ENTRY_OVERHEAD, STATIC_TABLE, STATIC_TABLE_LENGTH, type TableEntry } from './table.js';

export interface HpackLimits {
  /** Most bytes of dynamic table held. */
  maxTableBytes: number;
  /** Fields past this decoded size (RFC 7541 §4.1 sizes) are decoded for table state but not returned. */
  maxHeaderListBytes: number;
}

export type HpackErrorReason =
  /** Index 0, which no representation may use. */
  | 'bad_index'
  /** An integer cut short by the end of the block, or too large to be meant (over 2^31). */
  | 'bad_integer'
  /** A string literal longer than the rest of the block. */
  | 'bad_string'
  /** A Huffman string containing EOS or padded with something other than up to 7 one-bits. */
  | 'bad_huffman';

export interface HpackBlock {
  /** Decoded fields in order, pseudo-headers included; fields that could not be resolved are left out. */
  fields: Array<[name: string, value: string]>;
  /** Fields left out because they referenced dynamic-table entries we do not hold. */
  unknownFields: number;
  /** Why decoding stopped before the end of the block; the dynamic table has then been forgotten. */
  error: HpackErrorReason | undefined;
  /** The decoded list passed maxHeaderListBytes: later fields are missing from `fields`. */
  overflowed: boolean;
}

/** Integers above this are not sizes, lengths or indexes any peer means; refusing them keeps arithmetic exact. */
const MAX_INTEGER = 0x7fffffff;
const EMPTY = Buffer.alloc(0);

export class HpackDecoder {
  private readonly table: DynamicTable;
  // Cursor over the block being decoded, kept on the instance so helpers return plain numbers.
  private buf: Buffer = EMPTY;
  private pos = 0;
  private error: HpackErrorReason | undefined;

  constructor(private readonly limits: HpackLimits) {
    this.table = new DynamicTable(limits.maxTableBytes);
  }

  /** RFC 7541 size of the dynamic entries held. */
  get dynamicTableSize(): number {
    return this.table.size;
  }

  /** Dynamic entries held, newest first, as [name, value] (name undefined where unknown). */
  dynamicEntries(): Array<[string | undefined, string]> {
    const out: Array<[string | undefined, string]> = [];
    for (let i = 1; i <= this.table.length; i++) {
      const e = this.table.get(i)!;
      out.push([e.name, e.value]);
    }
    return out;
  }

  /**
   * The SETTINGS_HEADER_TABLE_SIZE announced by the endpoint that owns this decoder. A lower value
   * shrinks the table at once, as the peer's encoder must and nghttp2's decoder does; a higher one
   * only permits the encoder to grow it with a size update.
   */
  applySettingsTableSize(size: number): void {
    if (size < this.table.currentMaxSize) this.table.setMaxSize(size);
  }

  /** Bytes of this direction were lost: entries may have been inserted that we never saw. */
  forgetDynamicTable(): void {
    this.table.clear();
  }

  decode(block: Buffer): HpackBlock {
    this.buf = block;
    this.pos = 0;
    this.error = undefined;
    const result: HpackBlock = { fields: [], unknownFields: 0, error: undefined, overflowed: false };
    let listBytes = 0;
    const emit = (name: string | undefined, value: string | undefined): void => {
      if (name === undefined || value === undefined) {
        result.unknownFields++;
        return;
      }
      listBytes += name.length + value.length + ENTRY_OVERHEAD;
      if (listBytes > this.limits.maxHeaderListBytes) result.overflowed = true;
      else result.fields.push([name, value]);
    };

    while (this.pos < block.length && this.error === undefined) {
      const first = block[this.pos]!;
      if (first & 0x80) {
        // §6.1 Indexed Header Field.
        const entry = this.lookup(this.readInteger(7));
        if (this.error !== undefined) break;
        emit(entry?.name, entry?.value);
      } else if (first & 0x40) {
        // §6.2.1 Literal with Incremental Indexing: the field is added to the table.
        const field = this.readLiteral(6);
        if (field === undefined) break;
        this.table.add(field);
        emit(field.name, field.value);
      } else if (first & 0x20) {
        // §6.3 Dynamic Table Size Update. Not checked against SETTINGS: a peer that broke that
        // rule would have its connection closed by the real decoder, so following it costs nothing.
        const size = this.readInteger(5);
        if (size >= 0) this.table.setMaxSize(size);
      } else {
        // §6.2.2 Literal without Indexing, §6.2.3 Literal Never Indexed: same shape, no table change.
        const field = this.readLiteral(4);
        if (field === undefined) break;
        emit(field.name, field.value);
      }
    }

    if (this.error !== undefined) {
      // Whatever the rest of the block inserted is lost, so later indexes cannot be trusted.
      this.table.clear();
      result.error = this.error;
    }
    this.buf = EMPTY;
    return result;
  }

  /** Entry at a static-or-dynamic index, or undefined when we do not hold it (or after an error). */
  private lookup(index: number): TableEntry | undefined {
    if (index < 0) return undefined;
    if (index === 0) {
      this.fail('bad_index');
      return undefined;
    }
    return index <= STATIC_TABLE_LENGTH ? STATIC_TABLE[index] : this.table.get(index - STATIC_TABLE_LENGTH);
  }

  /** A literal field whose name is an index (N-bit prefix, non-zero) or a string; undefined on error. */
  private readLiteral(prefixBits: number): TableEntry | undefined {
    const nameIndex = this.readInteger(prefixBits);
    if (nameIndex < 0) return undefined;
    let name: string | undefined;
    let nameOctets: number;
    if (nameIndex === 0) {
      name = this.readString();
      if (name === undefined) return undefined;
      nameOctets = name.length;
    } else {
      const entry = this.lookup(nameIndex);
      if (this.error !== undefined) return undefined;
      name = entry?.name;
      // An unknown name's length is unknown too: the entry's size is then a lower bound.
      nameOctets = name?.length ?? 0;
    }
    const value = this.readString();
    if (value === undefined) return undefined;
    return { name, value, size: nameOctets + value.length + ENTRY_OVERHEAD };
  }

  /** RFC 7541 §5.1 integer with an N-bit prefix; -1 (and the error set) when malformed. */
  private readInteger(prefixBits: number): number {
    const buf = this.buf;
    const mask = (1 << prefixBits) - 1;
    let value = buf[this.pos++]! & mask;
    if (value < mask) return value;
    for (let shift = 0; ; shift += 7) {
      const b = buf[this.pos++];
      if (b === undefined) return this.fail('bad_integer');
      value += (b & 0x7f) * 2 ** shift;
      if (value > MAX_INTEGER) return this.fail('bad_integer');
      if ((b & 0x80) === 0) return value;
    }
  }

  /** RFC 7541 §5.2 string literal, Huffman-coded or raw; undefined (and the error set) when malformed. */
  private readString(): string | undefined {
    const buf = this.buf;
    if (this.pos >= buf.length) {
      this.fail('bad_string');
      return undefined;
    }
    const huffman = buf[this.pos]! & 0x80;
    const length = this.readInteger(7);
    if (length < 0) return undefined;
    const start = this.pos;
    const end = start + length;
    if (end > buf.length) {
      this.fail('bad_string');
      return undefined;
    }
    this.pos = end;
    if (!huffman) return buf.toString('latin1', start, end);
    const decoded = huffmanDecode(buf, start, end);
    if (decoded === undefined) this.fail('bad_huffman');
    return decoded;
  }

  private fail(reason: HpackErrorReason): -1 {
    this.error ??= reason;
    return -1;
  }
}
