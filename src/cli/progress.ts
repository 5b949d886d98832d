import { SingleBar } from 'cli-progress';

/** Progress of long work as a command reports it: `done` of `total` units, in a named phase. */
export interface Progress {
  update(p: { phase: string; done: number; total: number }): void;
  stop(): void;
}

/** Seconds between the plain lines written where stderr is not a terminal (a log file, CI). */
const PLAIN_EVERY_S = 30;

/**
 * A progress bar on stderr. On a terminal it redraws in place; elsewhere it writes a plain line
 * at most every {@link PLAIN_EVERY_S} seconds. The work it tracks may be synchronous, so it
 * draws from `update` and never waits on a timer.
 */
export function progressBar(label: string, log: (msg: string) => void, isTTY = Boolean(process.stderr.isTTY)): Progress {
  const started = performance.now();
  const left = (done: number, total: number) => {
    const elapsed = (performance.now() - started) / 1000;
    if (done <= 0 || done >= total) return '';
    const s = Math.round((elapsed * (total - done)) / done);
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')} left`;
  };
  if (!isTTY) {
    let lastLine = -Infinity;
    return {
      update({ phase, done, total }) {
        const now = performance.now();
        if (now - lastLine < PLAIN_EVERY_S * 1000 || done >= total) return;
        lastLine = now;
        log(`${label}: ${phase}, ${Math.floor((100 * done) / Math.max(1, total))}%${done > 0 ? `, ${left(done, total)}` : ''}`);
      },
      stop() {},
    };
  }
  const bar = new SingleBar({ format: `${label} |{bar}| {percentage}% | {phase} | {left}`, hideCursor: false, clearOnComplete: true });
  let started_ = false;
  return {
    update({ phase, done, total }) {
      const fields = { phase, left: left(done, total) };
      if (!started_) {
        bar.start(total, done, fields);
        started_ = true;
      } else {
        bar.setTotal(total);
        bar.update(done, fields);
      }
    },
    stop() {
      if (started_) bar.stop();
    },
  };
}
