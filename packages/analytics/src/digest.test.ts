import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesDigest, contentDigest } from './digest.js';
import { LineSplitter } from './lines.js';
import { SegmentBuilder } from './segment.js';

const LINK = `,"hash":"${'ab'.repeat(32)}"}`;
const LINES = [
  '{"timestamp": "2025-01-06T00:00:01.990323+00:00", "level": "DEBUG", "event_id": "be8aca44-14f9-432f-a120-87cc0758581d", "event_type": "api_call"}',
  `{"timestamp":"2025-01-06T00:00:02.000Z","level":"INFO","event_id":"c67064b0-c54f-4ed9-af41-965e584b86b8","event_type":"api_call"${LINK}`,
  // not a link: the suffix's place holds something else
  `{"timestamp":"2025-01-06T00:00:03.000Z","level":"INFO","event_id":"d67064b0-c54f-4ed9-af41-965e584b86b8","hash_of":"${'x'.repeat(80)}"}`,
  // nor here: the same length, the same first bytes (`,"h`), another key
  `{"timestamp":"2025-01-06T00:00:04.000Z","level":"INFO","event_id":"e67064b0-c54f-4ed9-af41-965e584b86b8","hasx":"${'ab'.repeat(32)}"}`,
];

describe('line digests from bytes', () => {
  it('bytesDigest is contentDigest of the same text (link suffix left out alike)', () => {
    for (const line of LINES) {
      const buf = Buffer.from(`xx${line}yy`);
      assert.equal(bytesDigest(buf, 2, Buffer.byteLength(line)), contentDigest(line), line.slice(0, 60));
    }
    assert.notEqual(contentDigest(LINES[1]!), contentDigest(LINES[1]!.replace(LINK, '}').replace('"INFO"', '"WARN"')));
    // The index stores digests: MurmurHash3_x86_32 (seed 0x9747b28c) of the line's UTF-8
    // bytes, its published test vectors (13 and 43 bytes: a tail of 1 and of 3)...
    assert.equal(contentDigest('Hello, world!'), 0x24884cba);
    assert.equal(contentDigest('The quick brown fox jumps over the lazy dog'), 0x2fa826cd);
    // ...and a linked line as the same line without its link, whatever its length modulo 4
    // (the brace then ends a tail or fills a block) and with non-ASCII text.
    const heads = Array.from({ length: 300 }, (_, i) => `{"n":${i},"s":"${(i % 3 === 0 ? 'é' : 'x').repeat(i % 17)}"`);
    for (const head of heads.concat(LINES[1]!.replace(LINK, ''))) {
      const b = Buffer.from(`${head}${LINK}`);
      assert.equal(contentDigest(`${head}${LINK}`), contentDigest(`${head}}`), head);
      assert.equal(bytesDigest(b, 0, b.length), contentDigest(`${head}}`), head);
    }
  });

  it('a segment read from bytes holds each line’s contentDigest: ASCII runs, CRLF, non-ASCII runs and lines in pieces', () => {
    const nonAscii = LINES[0]!.replace('"DEBUG"', '"DEBUG", "message": "Ünïcode ✓"').replace('be8aca44', 'ae8aca44');
    const text = `${LINES[0]}\r\n${LINES.slice(1).join('\n')}\n`;
    for (const [input, lines] of [
      [text, LINES],
      [`${nonAscii}\n${LINES[1]}\n`, [nonAscii, LINES[1]!]],
    ] as const) {
      for (const piece of [7, 100, 1 << 20]) {
        const b = new SegmentBuilder('t');
        const split = new LineSplitter(b);
        const bytes = Buffer.from(input);
        for (let i = 0; i < bytes.length; i += piece) split.push(bytes.subarray(i, i + piece));
        const seg = b.finish();
        assert.deepEqual([...seg.digest], lines.map(contentDigest), `pieces of ${piece}`);
      }
    }
  });
});
