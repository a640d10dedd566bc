import { botLogger, logOne } from './logs.js';

// A bot in a process of its own: `node bot-child.js DIR`: logs a steady stream of events
// into small files (rotated and gzipped every few hundred events) until SIGTERM.
const [dir] = process.argv.slice(2) as [string];
const log = botLogger(dir, { maxFileSize: 32 * 1024 });
let i = 0;
let stopping = false;
process.on('SIGTERM', () => {
  stopping = true;
});
while (!stopping) {
  for (let k = 0; k < 20; k++) logOne(log, i++);
  await new Promise((r) => setTimeout(r, 10));
}
await log.close();
process.stdout.write(`${i}\n`);
