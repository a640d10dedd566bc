import { basename } from 'node:path';
import { analyzerOf, clickhouseTarget, fleetEvents, openClickHouse, ShipError, Shipper, type OpenedClickHouse } from '@daybook/clickhouse';
import type { ServerOptions } from '@daybook/server';
import { clickhouseFailed } from '../clickhouse.js';
import { count } from '../format.js';

// `daybook demo --clickhouse URL` (`npm start -- --clickhouse URL`): the demo's directory is
// followed into ClickHouse by the same Shipper as `daybook ship`, and the dashboard reads it
// there (reports, events, live feed, as `daybook serve --clickhouse`), a second or so behind
// the files. When the demo stops, the last lines are shipped before it exits.

export interface DemoShipping {
  /** The server's fleet option: reports and events from ClickHouse. */
  readonly fleet: NonNullable<ServerOptions['fleet']>;
  /** Starts following the directory (after the history is written). */
  follow(): void;
  /** Stops following, ships what is left and closes; false (said) when ClickHouse did not take it all. */
  finish(): Promise<boolean>;
}

/** How long the demo waits for a ClickHouse that does not answer before it gives up. */
const GIVE_UP_MS = 15_000;

/** Creates the table (checking the URL and credentials), or says why not and gives the exit code. */
export async function startDemoShipping(dir: string, ch: { url: string; database: string }, say: (line: string) => void): Promise<DemoShipping | number> {
  let opened: OpenedClickHouse;
  const options = (target: ReturnType<typeof clickhouseTarget>) => ({ dirs: [dir], target, giveUpMs: GIVE_UP_MS, log: (line: string) => say(`  ${line}`) });
  let follower: Shipper | undefined;
  try {
    const target = clickhouseTarget(ch.url, ch.database);
    follower = new Shipper(options(target));
    await follower.init();
    opened = await openClickHouse(ch.url, ch.database);
    say(`  shipping into ClickHouse at ${target.display}, database ${ch.database}, as bot ${basename(dir)}; the dashboard's reports are computed there`);
  } catch (e) {
    await follower?.close();
    if (!(e instanceof ShipError)) return clickhouseFailed('demo', e);
    say(`daybook demo: ${e.message} [${e.code}]`);
    return 1;
  }
  const shipper = follower;
  let following: Promise<void> | undefined;
  return {
    fleet: { analyzer: (filter) => analyzerOf(opened, filter), events: fleetEvents(opened.runner, opened.target.database) },
    follow: () => {
      following ??= shipper.run().catch((e: unknown) => say(`  shipping stopped: ${(e as Error).message}`));
    },
    finish: async () => {
      await shipper.close();
      await following;
      const last = new Shipper(options(opened.target));
      try {
        const s = await last.once();
        say(`shipped to ClickHouse at ${opened.target.display}: every event of the directory acknowledged (${count(s.events)} in this last pass)`);
        return true;
      } catch (e) {
        say(`daybook demo: the last lines could not be shipped: ${(e as Error).message}; \`daybook ship --dir ${dir} --clickhouse ${opened.target.display} --once\` ships them`);
        return false;
      } finally {
        await last.close();
        await opened.close();
      }
    },
  };
}
