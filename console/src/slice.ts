// Cooperative time slicing: long loops over a large result give the main thread back every `budgetMs`, so no task
// runs long enough to freeze the page (input, scrolling and painting go on while 100k rows are parsed).
export class TimeSlicer {
  private start = performance.now();

  constructor(private readonly budgetMs = 12) {}

  get due(): boolean {
    return performance.now() - this.start > this.budgetMs;
  }

  async pause(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 0));
    this.start = performance.now();
  }
}
