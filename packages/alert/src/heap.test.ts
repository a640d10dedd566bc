import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { evaluatorHeapFlags, HEAP_GROWING_PERCENT } from './heap.js';

const BOTH = [`--heap-growing-percent=${HEAP_GROWING_PERCENT}`, '--no-memory-reducer'];

test('evaluatorHeapFlags: each flag is set unless node was started with it', () => {
  assert.deepEqual(evaluatorHeapFlags([]), BOTH);
  assert.deepEqual(evaluatorHeapFlags(['--max-old-space-size=512', '--enable-source-maps']), BOTH);
  for (const given of ['--heap-growing-percent=300', '--heap_growing_percent=0', '--heap-growing-percent']) {
    assert.deepEqual(evaluatorHeapFlags(['--enable-source-maps', given]), ['--no-memory-reducer'], given);
  }
  for (const given of ['--memory-reducer', '--no-memory-reducer', '--memory_reducer', '--no-memory_reducer']) {
    assert.deepEqual(evaluatorHeapFlags([given]), [BOTH[0]], given);
  }
  assert.deepEqual(evaluatorHeapFlags(['--heap-growing-percent=50', '--memory-reducer']), []);
  // Look-alikes are not the flags.
  assert.deepEqual(evaluatorHeapFlags(['--heap-growing-percentage=3', '--memory-reducer-for-small-heaps']), BOTH);
});

test('roomForEvaluations: the running V8 knows both flags (V8 reports an unknown one on stderr and goes on)', () => {
  const heap = new URL('./heap.js', import.meta.url).href;
  const stderrOf = (code: string) => spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' }).stderr;
  assert.match(stderrOf(`import { setFlagsFromString } from 'node:v8'; setFlagsFromString('--no-memory-reducers');`), /unrecognized flag/);
  assert.equal(stderrOf(`import { roomForEvaluations } from ${JSON.stringify(heap)}; roomForEvaluations([]);`), '');
});
