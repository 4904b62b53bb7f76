// Runs async tasks strictly one after another (DuckDB's single writer, pip installs, git mirrors, plugin uploads);
// a failed task does not stop the ones queued behind it.
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  // Resolves once everything queued so far has finished.
  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}
