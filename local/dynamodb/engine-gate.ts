/**
 * Shares DynamoDB Local fairly between the local stack's functions. In AWS the table serves every
 * function without one slowing another; locally one engine on a developer machine serves them
 * all, and it answers no faster with more requests in flight. Without a gate a parallel workflow
 * (ten batches, each working on many attempts) would queue hundreds of requests in the engine
 * ahead of the few a caller waits on, until those ran past their function's timeout; with only a
 * cap on the workflow, it would fall behind the callbacks. The gate lets a few requests into the
 * engine at once and, when several lanes wait, takes one from each in turn.
 */
export class EngineGate {
  readonly #waiting = new Map<string, (() => void)[]>();
  #inFlight = 0;
  /** The lane that was served last, so the next turn goes to another. */
  #turn = 0;

  constructor(readonly maxInFlight: number) {
    if (!Number.isInteger(maxInFlight) || maxInFlight < 1) {
      throw new RangeError('maxInFlight must be a positive integer');
    }
  }

  /** Resolves when a request of `lane` may go to the engine; call `leave` when it is answered. */
  async enter(lane: string): Promise<void> {
    if (this.#inFlight < this.maxInFlight) {
      this.#inFlight++;
      return;
    }
    const queue = this.#waiting.get(lane) ?? [];
    this.#waiting.set(lane, queue);
    await new Promise<void>((resolve) => queue.push(resolve));
  }

  leave(): void {
    const lanes = [...this.#waiting.keys()];
    for (let offset = 1; offset <= lanes.length; offset++) {
      const index = (this.#turn + offset) % lanes.length;
      const next = this.#waiting.get(lanes[index] as string)?.shift();
      if (next) {
        this.#turn = index;
        // The slot passes straight to the next request: in flight stays the same.
        next();
        return;
      }
    }
    this.#inFlight--;
  }

  /** Requests in the engine, and waiting per lane. */
  stats(): { inFlight: number; waiting: Record<string, number> } {
    return {
      inFlight: this.#inFlight,
      waiting: Object.fromEntries([...this.#waiting].map(([lane, queue]) => [lane, queue.length])),
    };
  }
}
