import { FileSource, type EventSet, type EventSource, type LoadOptions, type LogAnalyzerOptions } from '@daybook/analytics';

/**
 * The analyzer's files, one load at a time (FileSource queues them): concurrent requests from
 * the same range start share one load.
 */
export class SharedSource implements EventSource {
  readonly files: FileSource;
  private readonly running = new Map<number, Promise<EventSet>>();

  constructor(dirs: readonly string[], options: LogAnalyzerOptions = {}) {
    this.files = new FileSource(dirs, { cache: true, threads: options.threads, persist: options.persist, mainLane: false, limits: options.limits });
  }

  load(options: LoadOptions = {}): Promise<EventSet> {
    const since = options.since ?? -Infinity;
    let load = this.running.get(since);
    if (load === undefined) {
      load = this.files.load({ since }).finally(() => this.running.delete(since));
      this.running.set(since, load);
    }
    return load;
  }

  /**
   * Reads what the ranged loads so far left out, one backup per load, newest first: a request
   * arriving meanwhile waits for one file, not for the whole directory.
   */
  async fill(): Promise<void> {
    for (let t = this.files.newestLeftOut(); t !== undefined; t = this.files.newestLeftOut()) await this.load({ since: t });
    await this.load();
  }
}
