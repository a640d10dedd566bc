/** A DataView of the last buffer's memory, kept while lines come from it (a reader reuses one buffer). */
let view = new DataView(new ArrayBuffer(0) as ArrayBufferLike);
/** Its memory: a typed array's `buffer` is cheap to read, a DataView's is not. */
let viewed: ArrayBufferLike = view.buffer;

/**
 * A DataView of `buf`'s memory (index it at buf.byteOffset + i), to read four bytes at a time:
 * digest.ts hashes lines in 32-bit blocks, plain-line.ts skips string bytes four at a time.
 */
export function viewOf(buf: Uint8Array): DataView {
  const memory = buf.buffer;
  if (memory !== viewed) {
    view = new DataView(memory);
    viewed = memory;
  }
  return view;
}
