import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/fixtures.js';
import { ATTACH, CLOSE, CONN, DATA, EXEC, EXIT, FORK, HDR, READY, SNI, STATS, STREAM_ID } from '../../src/sensor/wire.js';

// Our alignchecker: the C compiler says where bpf/events.h puts each field; the decoder must agree.
const FIELDS: Record<string, Record<string, string>> = {
  osprey_hdr: { kind: 'kind', flags: 'flags', size: 'size', ktimeNs: 'ktime_ns' },
  osprey_data: { tgid: 'id.tgid', tid: 'id.tid', startNs: 'id.start_ns', conn: 'id.conn', pos: 'pos', len: 'len', dir: 'dir', lib: 'lib', data: 'data' },
  osprey_conn: { fd: 'fd', family: 'family', sport: 'sport', dport: 'dport', lib: 'lib', saddr: 'saddr', daddr: 'daddr' },
  osprey_sni: { name: 'name' },
  osprey_close: {},
  osprey_exec: { tgid: 'tgid', ppid: 'ppid', startNs: 'start_ns', uid: 'uid', comm: 'comm', filename: 'filename', argsLen: 'args_len', argsTruncated: 'args_truncated', args: 'args' },
  osprey_fork: { parentTgid: 'parent_tgid', childTgid: 'child_tgid', childStartNs: 'child_start_ns' },
  osprey_exit: { tgid: 'tgid', exitCode: 'exit_code', startNs: 'start_ns' },
  osprey_stats: { drops: 'drops' },
  osprey_attach: { targetId: 'target_id', status: 'status', probe: 'probe' },
  osprey_ready: { loaderPid: 'loader_pid', ringbufBytes: 'ringbuf_bytes' },
};

function cLayout(): Record<string, Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'osprey-layout-'));
  const lines: string[] = [];
  for (const [struct, fields] of Object.entries(FIELDS)) {
    lines.push(`printf("\\"${struct}\\":{\\"SIZE\\":%zu", sizeof(struct ${struct}));`);
    for (const [ts, c] of Object.entries(fields)) {
      lines.push(`printf(",\\"${ts}\\":%zu", offsetof(struct ${struct}, ${c}));`);
    }
    lines.push('printf("},");');
  }
  const src = `#include <stdio.h>\n#include <stddef.h>\n#include "events.h"\nint main(void){printf("{");${lines.join('\n')}printf("\\"end\\":{}}");return 0;}\n`;
  writeFileSync(join(dir, 'layout.c'), src);
  execFileSync('gcc', ['-I', join(REPO_ROOT, 'bpf'), join(dir, 'layout.c'), '-o', join(dir, 'layout')]);
  return JSON.parse(execFileSync(join(dir, 'layout')).toString());
}

test('TypeScript record layouts match bpf/events.h', () => {
  const c = cLayout();
  const ts: Record<string, Record<string, number>> = {
    osprey_hdr: { ...HDR },
    osprey_data: { ...STREAM_ID, pos: DATA.pos, len: DATA.len, dir: DATA.dir, lib: DATA.lib, data: DATA.data },
    osprey_conn: { ...CONN },
    osprey_sni: { ...SNI },
    osprey_close: { ...CLOSE },
    osprey_exec: { ...EXEC },
    osprey_fork: { ...FORK },
    osprey_exit: { ...EXIT },
    osprey_stats: { ...STATS },
    osprey_attach: { ...ATTACH },
    osprey_ready: { ...READY },
  };
  for (const [struct, fields] of Object.entries(FIELDS)) {
    for (const name of Object.keys(fields)) {
      assert.equal(ts[struct]?.[name], c[struct]?.[name], `${struct}.${name}`);
    }
    const tsSize = ts[struct]?.SIZE;
    if (tsSize !== undefined) assert.equal(tsSize, c[struct]?.SIZE, `sizeof(struct ${struct})`);
  }
  assert.equal(c.osprey_data?.SIZE, DATA.data + DATA.CHUNK_BYTES);
  assert.equal(c.osprey_hdr?.SIZE, HDR.SIZE);
});
