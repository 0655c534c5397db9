/**
 * `ParallelizationFactor` and `MaximumBatchingWindowInSeconds` for one shard. Lambda runs up to
 * `ParallelizationFactor` batches of a shard at once and keeps the records of one partition key
 * in order at any factor; here each record goes to the lane its partition key hashes to, and each
 * lane delivers one batch at a time, in shard order. A lane's batch goes out once it holds
 * `BatchSize` records or its oldest record has waited the batching window.
 *
 * The shard's checkpoint only moves over records whose fate is settled: it is the last record
 * before the first one still queued or in flight, in whichever lane, so a restart never skips a
 * record that was not processed.
 */
import type { EventMatcher } from '../event-bus/pattern.js';
import type { ShardCheckpoint } from './checkpoints.js';
import type { StreamMapping } from './mapping.js';
import type { PendingRecord } from './records.js';

interface Lane {
  queue: PendingRecord[];
  /** When the oldest queued record arrived (ms), for the batching window. */
  since: number;
  busy: boolean;
}

/** A record read from the shard, in shard order, until the checkpoint passes it. */
interface Entry {
  sequenceNumber: string;
  settled: boolean;
}

/** FNV-1a: a stable spread of partition keys over lanes. */
function hash(text: string): number {
  let value = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    value ^= text.charCodeAt(index);
    value = Math.imul(value, 0x01000193);
  }
  return value >>> 0;
}

/** The lane a partition key's records take, of `lanes`. */
export function laneOf(partitionKeyText: string, lanes: number): number {
  return hash(partitionKeyText) % lanes;
}

/** The partition key of a record as text: the key attribute named, or all keys if none is. */
export function partitionKeyText(record: PendingRecord, partitionKey: string | undefined): string {
  const keys = record.record.dynamodb?.Keys ?? {};
  if (partitionKey) return JSON.stringify(keys[partitionKey] ?? null);
  return JSON.stringify(Object.entries(keys).sort(([left], [right]) => left.localeCompare(right)));
}

export class ShardLanes {
  readonly #lanes: Lane[];
  readonly #entries: Entry[] = [];
  readonly #bySequence = new Map<string, Entry>();
  readonly #windowMs: number;
  #unsettled = 0;

  constructor(
    private readonly mapping: StreamMapping,
    private readonly filters: readonly EventMatcher[],
    private readonly checkpoint: ShardCheckpoint,
    private readonly partitionKey: string | undefined,
  ) {
    this.#lanes = Array.from({ length: mapping.parallelizationFactor }, () => ({
      queue: [],
      since: 0,
      busy: false,
    }));
    this.#windowMs = mapping.maximumBatchingWindowInSeconds * 1000;
  }

  /** Records read and not yet settled (queued or in flight). */
  get unsettled(): number {
    return this.#unsettled;
  }

  /** Nothing queued and nothing in flight. */
  get idle(): boolean {
    return this.#lanes.every((lane) => !lane.busy && lane.queue.length === 0);
  }

  /**
   * Takes in a page of records in shard order: those that pass no filter are settled at once,
   * the others queue in their lane. True when the checkpoint moved.
   */
  add(records: readonly PendingRecord[], now: number): boolean {
    for (const record of records) {
      const passes =
        this.filters.length === 0 ||
        this.filters.some((matches) =>
          matches(record.record as unknown as Record<string, unknown>),
        );
      const entry = { sequenceNumber: record.sequenceNumber, settled: !passes };
      this.#entries.push(entry);
      if (!passes) continue;
      this.#unsettled++;
      this.#bySequence.set(record.sequenceNumber, entry);
      const key = partitionKeyText(record, this.partitionKey);
      const lane = this.#lanes[laneOf(key, this.#lanes.length)] as Lane;
      if (lane.queue.length === 0) lane.since = now;
      lane.queue.push(record);
    }
    return this.#advance();
  }

  /** The batches due now, each taken off an idle lane, which is busy until `finish`. */
  due(now: number): { lane: number; batch: PendingRecord[] }[] {
    const due: { lane: number; batch: PendingRecord[] }[] = [];
    this.#lanes.forEach((lane, index) => {
      if (lane.busy || lane.queue.length === 0) return;
      const full = lane.queue.length >= this.mapping.batchSize;
      if (!full && now - lane.since < this.#windowMs) return;
      const batch = lane.queue.splice(0, this.mapping.batchSize);
      lane.busy = true;
      lane.since = now;
      due.push({ lane: index, batch });
    });
    return due;
  }

  /** When the next waiting lane's window runs out (ms), or undefined when none waits. */
  nextDue(): number | undefined {
    const waiting = this.#lanes
      .filter((lane) => !lane.busy && lane.queue.length > 0)
      .map((lane) => lane.since + this.#windowMs);
    return waiting.length > 0 ? Math.min(...waiting) : undefined;
  }

  /** Records whose fate is decided (processed or discarded). True when the checkpoint moved. */
  settle(records: readonly PendingRecord[]): boolean {
    for (const record of records) {
      const entry = this.#bySequence.get(record.sequenceNumber);
      if (!entry) continue;
      entry.settled = true;
      this.#unsettled--;
      this.#bySequence.delete(record.sequenceNumber);
    }
    return this.#advance();
  }

  /** The lane's batch is over; its next batch may go. */
  finish(lane: number): void {
    (this.#lanes[lane] as Lane).busy = false;
  }

  #advance(): boolean {
    let moved = false;
    while (this.#entries[0]?.settled) {
      this.checkpoint.sequenceNumber = (this.#entries.shift() as Entry).sequenceNumber;
      moved = true;
    }
    return moved;
  }
}
