import { parentPort } from 'node:worker_threads';
import { encodeChunk, type ChunkSource, type LineChunk } from './encode.js';

// An encoder thread of EncoderPool: chunks of lines in, Native blocks out (the block's
// memory transferred, not copied).
parentPort?.on('message', (m: { id: number; chunk: LineChunk; source: ChunkSource }) => {
  const r = encodeChunk(m.chunk, m.source);
  parentPort!.postMessage({ id: m.id, ...r }, r.block.byteLength > 0 ? [r.block.buffer as ArrayBuffer] : []);
});
