/**
 * `daybook tail --dir logs | head` : once the reader is gone, a write to stdout fails with
 * EPIPE, which Node raises as an uncaught error with a stack trace. A reader that stops
 * reading is not a failure of the command, so the command ends as after Ctrl-C: output from
 * then on is dropped, a long-running command (tail, serve, demo) is asked to stop through its
 * own SIGTERM handler (so it closes what it opened), and a short one finishes quietly.
 */
export function endQuietlyOnClosedPipe(stream: NodeJS.WriteStream = process.stdout, stop: () => void = () => void process.emit('SIGTERM')): void {
  let closed = false;
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
    if (closed) return;
    closed = true;
    // Whatever comes next has no reader.
    stream.write = (() => true) as typeof stream.write;
    if (process.listenerCount('SIGTERM') > 0) stop();
  });
}
