/**
 * Where the consumer's next batch of one partition must start for its records to follow the ones
 * already taken in, and whether a batch kafkajs hands over does.
 *
 * kafkajs fetches a partition as a chain: each fetch starts where the previous batch ended
 * (`lastOffset() + 1`, transaction markers included), or where a seek put it. A batch fetched
 * before a seek can still be handed over after it (another partition's batch of the same fetch was
 * being handled meanwhile), and its records are then not where the partition now reads: taking
 * them in would start the next object past the committed offset, and lose what lies between. So a
 * batch is taken only when it starts exactly at the expected offset – whenever it was fetched, its
 * records then follow ours – and anything else is refused and the consumer sent back there.
 */
export class FetchPosition {
  private expected = -1;
  private refusedInARow = 0;

  /** The offset the next batch must start at; -1 before the partition is taken. */
  get offset(): number {
    return this.expected;
  }

  /** Batches refused since the last one taken (or the last reset). */
  get refused(): number {
    return this.refusedInARow;
  }

  /** Restarts the chain at `offset`: the partition was (re-)taken. */
  reset(offset: number): void {
    this.expected = offset;
    this.refusedInARow = 0;
  }

  /** The consumer is sent to `offset`; refused batches keep counting until one is taken. */
  seek(offset: number): void {
    this.expected = offset;
  }

  /**
   * Whether a batch fetched at `fetchedOffset` continues the chain; if it does, the chain moves
   * past its `lastOffset` (what kafkajs resolves after handing it over).
   */
  take(fetchedOffset: number, lastOffset: number): boolean {
    if (this.expected < 0 || fetchedOffset !== this.expected) {
      this.refusedInARow++;
      return false;
    }
    this.expected = lastOffset + 1;
    this.refusedInARow = 0;
    return true;
  }

  /**
   * kafkajs passed over a batch holding only transaction markers or aborted records (it resolves
   * those itself, without handing them over): the chain moves past it if it started where
   * expected. One that did not was fetched before a seek and changes nothing.
   */
  skip(firstOffset: number, lastOffset: number): void {
    if (this.expected >= 0 && firstOffset === this.expected) this.expected = lastOffset + 1;
  }
}
