import { parseArgs } from 'node:util';
import { initializeAuditLogger, closeAuditLogger, EventType, setupCriticalLogging } from '@daybook/core';

const HELP = `Usage: daybook demo [--dir logs] [--seconds N] [--seed N]

Runs a simulated trading bot that logs through daybook into --dir until Ctrl-C
(or for --seconds).
`;

/** A seeded PRNG (mulberry32) so that a seed gives the same run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { dir: { type: 'string', default: 'logs' }, seconds: { type: 'string' }, seed: { type: 'string', default: '42' }, help: { type: 'boolean' } } }));
  } catch (e) {
    process.stderr.write(`daybook demo: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const random = rng(Number(values.seed));
  const audit = initializeAuditLogger({ logDir: values.dir, environment: 'demo', sessionId: `demo_${values.seed}` });
  const mm = setupCriticalLogging('jit-mm-swift', { logDir: values.dir, enableConsoleLogging: false });
  const symbols = ['AAPL', 'MSFT', 'TSLA', 'NVDA', 'SOL-PERP', 'BTC-PERP'];
  const prices = new Map(symbols.map((s, i) => [s, 100 + i * 50]));
  const open = new Map<string, { qty: number; price: number; at: number }>();
  let n = 0;
  const tick = (): void => {
    n++;
    for (const s of symbols) prices.set(s, prices.get(s)! * (1 + (random() - 0.5) * 0.01));
    const s = symbols[Math.floor(random() * symbols.length)]!;
    const price = Math.round(prices.get(s)! * 100) / 100;
    const position = open.get(s);
    if (position === undefined && random() < 0.3) {
      const qty = 1 + Math.floor(random() * 100);
      open.set(s, { qty, price, at: Date.now() });
      audit.logTradeEntry({ symbol: s, side: 'buy', quantity: qty, price, orderId: `o${n}`, strategyName: 'momentum', riskPercent: 0.01 });
      mm.info(`Processing order o${n} for ${s}`);
    } else if (position !== undefined && random() < 0.3) {
      open.delete(s);
      const pnl = Math.round((price - position.price) * position.qty * 100) / 100;
      audit.logTradeExit({ symbol: s, quantity: position.qty, price, pnl, orderId: `o${n}`, reason: pnl >= 0 ? 'take_profit_hit' : 'stop_loss_hit', metadata: { hold_time_minutes: (Date.now() - position.at) / 60000 } });
    }
    audit.logApiCall({ endpoint: '/v2/positions', method: 'GET', statusCode: random() < 0.02 ? 503 : 200, latencyMs: Math.round(20 + -Math.log(random()) * 40) });
    if (n % 20 === 0) audit.logSystemEvent(EventType.HEALTH_CHECK, 'System health check completed', { metadata: { status: 'healthy' } });
  };
  const timer = setInterval(tick, 200);
  const stop = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    if (values.seconds !== undefined) setTimeout(resolve, Number(values.seconds) * 1000);
  });
  process.stdout.write(`daybook demo: logging into ${audit.logDir} (Ctrl-C stops)\n`);
  await stop;
  clearInterval(timer);
  await mm.close();
  await closeAuditLogger();
  return 0;
}
