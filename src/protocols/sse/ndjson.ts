/**
 * Newline-delimited JSON (application/x-ndjson, as Ollama streams): one JSON value per line.
 * Blank lines are skipped; a line that is not JSON is counted, not thrown, so one bad line does
 * not cost the rest of the stream.
 */

const LF = 0x0a;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export function parseNdjson(body: Buffer): { values: unknown[]; errors: number } {
  const values: unknown[] = [];
  let errors = 0;
  // Splitting on the LF byte is safe in UTF-8: it never occurs inside a multi-byte character.
  let start = body.subarray(0, UTF8_BOM.length).equals(UTF8_BOM) ? UTF8_BOM.length : 0;
  while (start < body.length) {
    const lf = body.indexOf(LF, start);
    const end = lf === -1 ? body.length : lf;
    // trim() also removes the CR of a CRLF line ending.
    const line = body.toString('utf8', start, end).trim();
    if (line !== '') {
      try {
        values.push(JSON.parse(line));
      } catch {
        errors++;
      }
    }
    start = end + 1;
  }
  return { values, errors };
}
