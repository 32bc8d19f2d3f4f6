/**
 * HPACK Huffman decoding (RFC 7541 §5.2, Appendix B), table-driven: the input is read one octet
 * at a time through a 256-state × 256 transition table built once at load time (64K entries,
 * a few milliseconds), so decoding costs one table lookup per input octet and no per-bit work.
 */

/**
 * Code length in bits of each symbol 0..255 and EOS (256), from RFC 7541 Appendix B. The code is
 * canonical (codes of one length are consecutive and follow symbol order; each length starts
 * where the shorter one ended, shifted), so the lengths alone determine every code.
 */
const CODE_LENGTHS: readonly number[] = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, // 0-15
  28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28, // 16-31
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, // 32-47
  5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10, // 48-63
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, // 64-79
  7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, // 80-95
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, // 96-111
  6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28, // 112-127
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, // 128-143
  24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, // 144-159
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, // 160-175
  21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, // 176-191
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, // 192-207
  19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, // 208-223
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, // 224-239
  26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, // 240-255
  30, // EOS
];

const EOS = 256;

/**
 * Transition entry layout: bits 0-7 next state, 8-15 first emitted symbol, 16-23 second, 24-25
 * how many were emitted (an octet completes at most two symbols: no code is shorter than 5 bits),
 * then flags.
 */
const COUNT_SHIFT = 24;
/** Input may end here: the bits since the last symbol are at most 7 ones (a prefix of EOS). */
const ACCEPT = 1 << 26;
/** The walk decoded EOS, which must never appear in a string. */
const FAIL = 1 << 27;

/** Canonical codes, as [code, length] per symbol, in the order RFC 7541 Appendix B lists them. */
export function huffmanCodes(): Array<readonly [code: number, length: number]> {
  const order = CODE_LENGTHS.map((length, symbol) => ({ length, symbol })).sort((a, b) => a.length - b.length || a.symbol - b.symbol);
  const codes = new Array<readonly [number, number]>(CODE_LENGTHS.length);
  let code = 0;
  let previousLength = order[0]!.length;
  for (const [i, { length, symbol }] of order.entries()) {
    if (i > 0) code = (code + 1) * 2 ** (length - previousLength);
    codes[symbol] = [code, length];
    previousLength = length;
  }
  return codes;
}

/**
 * The decoding automaton. States are the internal nodes of the code tree (257 leaves make 256 of
 * them; state 0 is the root); a transition consumes one octet.
 */
function buildTransitions(): Uint32Array {
  // Tree with internal nodes numbered in creation order; a child is a node (> 0) or a leaf ~symbol (< 0).
  const children: Array<[number, number]> = [[0, 0]];
  const UNSET = 0;
  for (const [symbol, [code, length]] of huffmanCodes().entries()) {
    let node = 0;
    for (let bit = length - 1; bit >= 0; bit--) {
      const b = Math.floor(code / 2 ** bit) % 2;
      if (bit === 0) {
        children[node]![b] = ~symbol;
      } else {
        if (children[node]![b] === UNSET) {
          children.push([0, 0]);
          children[node]![b] = children.length - 1;
        }
        node = children[node]![b]!;
      }
    }
  }

  // Nodes reached from the root by at most 7 one-bits: where padding may stop.
  const acceptable = new Uint8Array(children.length);
  acceptable[0] = 1;
  for (let node = 0, depth = 0; depth < 7; depth++) {
    node = children[node]![1];
    acceptable[node] = 1;
  }

  const table = new Uint32Array(children.length * 256);
  for (let state = 0; state < children.length; state++) {
    for (let octet = 0; octet < 256; octet++) {
      let node = state;
      let entry = 0;
      let count = 0;
      for (let bit = 7; bit >= 0; bit--) {
        const child = children[node]![(octet >> bit) & 1]!;
        if (child >= 0) {
          node = child;
          continue;
        }
        const symbol = ~child;
        if (symbol === EOS) entry |= FAIL;
        else entry |= symbol << (8 + 8 * count++);
        node = 0;
      }
      if (acceptable[node]) entry |= ACCEPT;
      table[state * 256 + octet] = entry | (count << COUNT_SHIFT) | node;
    }
  }
  return table;
}

const TRANSITIONS = buildTransitions();

/** Output scratch, grown on demand and reused: decoded strings are copied out by toString. */
let scratch = Buffer.allocUnsafe(4096);

/**
 * Decodes src[start..end) as a Huffman-coded string (latin1: one char per octet, lossless), or
 * returns undefined when it is not valid: EOS decoded, or padding longer than 7 bits or not all ones.
 */
export function huffmanDecode(src: Uint8Array, start: number, end: number): string | undefined {
  // The shortest code is 5 bits, so n input octets yield at most 8n/5 symbols.
  const bound = Math.ceil(((end - start) * 8) / 5);
  if (scratch.length < bound) scratch = Buffer.allocUnsafe(Math.max(bound, scratch.length * 2));
  const out = scratch;
  let n = 0;
  let state = 0;
  let entry = ACCEPT;
  for (let i = start; i < end; i++) {
    entry = TRANSITIONS[(state << 8) | src[i]!]!;
    if (entry & FAIL) return undefined;
    const count = (entry >>> COUNT_SHIFT) & 3;
    if (count !== 0) {
      out[n++] = (entry >>> 8) & 0xff;
      if (count === 2) out[n++] = (entry >>> 16) & 0xff;
    }
    state = entry & 0xff;
  }
  return entry & ACCEPT ? out.toString('latin1', 0, n) : undefined;
}
