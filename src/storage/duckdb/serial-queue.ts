// DuckDB allows one writer transaction per connection; this keeps writes on the write connection strictly in turn.
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
