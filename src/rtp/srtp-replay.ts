/** Size of the replay window, in packets (RFC 3711 §3.3.2 minimum is 64). */
export const SRTP_REPLAY_WINDOW = 64;

/**
 * Sliding replay list over packet indices (48-bit SRTP or 31-bit SRTCP, exact in a double).
 * One flag per slot `index mod 64`; slots are cleared as the top advances, so the flags always
 * describe (top-63 … top).
 */
export class SrtpReplayWindow {
  #top = -1;
  readonly #seen = new Uint8Array(SRTP_REPLAY_WINDOW);

  /** Highest index accepted so far, -1 before the first. */
  get top(): number {
    return this.#top;
  }

  /** True when `index` is new and inside the window (does not record it). */
  accepts(index: number): boolean {
    if (this.#top < 0 || index > this.#top) return true;
    if (this.#top - index >= SRTP_REPLAY_WINDOW) return false;
    return this.#seen[index % SRTP_REPLAY_WINDOW] === 0;
  }

  /** Records an authenticated index (call only after {@link accepts} and authentication). */
  record(index: number): void {
    if (index > this.#top) {
      const gap = this.#top < 0 ? SRTP_REPLAY_WINDOW : Math.min(index - this.#top, SRTP_REPLAY_WINDOW);
      for (let k = 0; k < gap; k++) this.#seen[(index - k) % SRTP_REPLAY_WINDOW] = 0;
      this.#top = index;
    }
    this.#seen[index % SRTP_REPLAY_WINDOW] = 1;
  }
}
