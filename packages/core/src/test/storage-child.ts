// A bot in a child process, for the tests that must kill or signal a real process.
// argv: <mode> <logDir> [count]
//   crash:    logs `sync` trades forever, printing each event_id once its promise says it is durable
//   exit:     logs count lines without waiting, then calls process.exit(0) before any write ran
//   signal:   logs count lines, then raises SIGTERM at itself with no handler of its own
//   handler:  installs its own SIGINT handler, logs count lines, raises SIGINT, then logs once more and exits 0
//   uncaught: logs count lines, then throws
//   hold:     opens the directory and waits (a lock holder)
//   rotate:   logs count lines through 64 KB files, awaits close() and prints "closed" (nothing else keeps it alive)
//   churn:    as crash, through files of `count` bytes, backupCount 10, gzip, checkpoints every 20 ms and
//             signed with the PEM key in DAYBOOK_TEST_KEY: a writer that is always rotating, compressing,
//             pruning or compacting (crash-rotation.test.ts)
import { AuditLogger } from '../audit-logger.js';

const [mode, dir, countText] = process.argv.slice(2);
const count = Number(countText ?? '100');
const churn = mode === 'churn';
const logger = new AuditLogger(churn
  ? { logDir: dir, consoleLevel: false, durability: { trading: 'sync' }, checkpointLines: 200, checkpointMs: 20, maxFileSize: count, backupCount: 10, compress: true, signingKey: process.env['DAYBOOK_TEST_KEY'] }
  : { logDir: dir, consoleLevel: false, durability: { trading: mode === 'crash' ? 'sync' : 'none' }, checkpointLines: 500, checkpointMs: 200, maxFileSize: mode === 'crash' ? 256 * 1024 : mode === 'rotate' ? 64 * 1024 : undefined, backupCount: 1000 });

function trade(i: number): Promise<boolean> {
  return logger.logTradeEntry({ symbol: 'AAPL', side: 'buy', quantity: i, price: 150.25, orderId: `${process.pid}-${i}`, metadata: { i } });
}

if (mode === 'crash' || churn) {
  let i = 0;
  const tick = (): void => {
    for (let k = 0; k < 20; k++) {
      const n = i++;
      void trade(n).then((ok) => {
        if (ok) process.stdout.write(`${process.pid}-${n}\n`);
      });
    }
    setImmediate(tick);
  };
  process.stdout.write('ready\n');
  tick();
} else if (mode === 'rotate') {
  for (let i = 0; i < count; i++) void trade(i);
  void logger.close().then(() => process.stdout.write('closed\n'));
} else if (mode === 'hold') {
  process.stdout.write('ready\n');
  setInterval(() => {}, 1000);
} else {
  for (let i = 0; i < count; i++) void trade(i);
  if (mode === 'exit') process.exit(0);
  else if (mode === 'signal') process.kill(process.pid, 'SIGTERM');
  else if (mode === 'handler') {
    process.on('SIGINT', () => {
      void trade(count);
      setTimeout(() => process.exit(0), 20);
    });
    process.kill(process.pid, 'SIGINT');
  } else if (mode === 'uncaught') {
    setImmediate(() => {
      throw new Error('bot bug');
    });
  }
}
