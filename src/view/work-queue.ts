/**
 * Runs jobs one at a time, in arrival order. The viewer's chains run on the
 * server's own thread: two at once would only make both answers slower and
 * hold two samples' voxels.
 */
export class WorkQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(job: () => Promise<T>): Promise<T> {
    const next = this.tail.then(job, job);
    // The queue goes on after a failed job; the caller gets the failure.
    this.tail = next.catch(() => undefined);
    return next;
  }
}
