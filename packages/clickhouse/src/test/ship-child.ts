import { clickhouseTarget } from '../connect.js';
import { Shipper } from '../ship/shipper.js';

// A shipper in a process of its own, for the tests that kill it: `node ship-child.js DIR URL BOT`.
// Follows until SIGTERM (then closes); SIGKILL ends it anywhere.
const [dir, url, bot] = process.argv.slice(2) as [string, string, string];
const shipper = new Shipper({ dirs: [dir], target: clickhouseTarget(url), bot, host: 'test', flushMs: 100, pollMs: 20, retryMinMs: 50, retryMaxMs: 500, batchRows: 2000 });
process.on('SIGTERM', () => void shipper.close());
await shipper.run();
