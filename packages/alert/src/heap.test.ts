import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { heapGrowingFlag, HEAP_GROWING_PERCENT } from './heap.js';

test('heapGrowingFlag: the growing factor is set unless node was started with one', () => {
  assert.equal(heapGrowingFlag([]), `--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  assert.equal(heapGrowingFlag(['--max-old-space-size=512', '--enable-source-maps']), `--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  for (const given of ['--heap-growing-percent=300', '--heap_growing_percent=0', '--heap-growing-percent']) {
    assert.equal(heapGrowingFlag(['--enable-source-maps', given]), undefined, given);
  }
  assert.equal(heapGrowingFlag(['--heap-growing-percentage=3']), `--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
});

test('roomForEvaluations: the running V8 has the flag (V8 reports an unknown one on stderr and goes on)', () => {
  const heap = new URL('./heap.js', import.meta.url).href;
  const stderrOf = (code: string) => spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' }).stderr;
  assert.match(stderrOf(`import { setFlagsFromString } from 'node:v8'; setFlagsFromString('--heap-growing-percents=100');`), /unrecognized flag/);
  assert.equal(stderrOf(`import { roomForEvaluations } from ${JSON.stringify(heap)}; roomForEvaluations([]);`), '');
});
