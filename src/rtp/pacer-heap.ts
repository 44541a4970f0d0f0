/** An entry the pacer's heap can order: earliest `deadline` first, ties by `seq` (add order). */
export interface HeapEntry {
  deadline: number;
  readonly seq: number;
  /** Position in the heap array, −1 when not in a heap. Maintained by {@link DeadlineHeap}. */
  heapIndex: number;
}

/** Children per node: a shallower tree, and a node's children's keys share a cache line. */
const ARITY = 4;

/**
 * Min-heap (4-ary) with positions stored in the entries, so removing or re-keying any entry is
 * O(log n) — streams come and go mid-call and every tick re-keys one entry. The keys live in
 * typed arrays beside the entries: with hundreds of streams every frame sifts one entry down
 * the tree, and comparing keys in one contiguous array, not in entries spread over the heap,
 * keeps that walk out of main memory. An entry's `deadline` is read only when it is pushed or
 * updated.
 */
export class DeadlineHeap<T extends HeapEntry> {
  private readonly items: T[] = [];
  private deadlines = new Float64Array(16);
  private seqs = new Float64Array(16);

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(e: T): void {
    const i = this.items.length;
    if (i === this.deadlines.length) this.grow();
    this.items.push(e);
    this.deadlines[i] = e.deadline;
    this.seqs[i] = e.seq;
    e.heapIndex = i;
    this.up(i);
  }

  remove(e: T): void {
    const i = e.heapIndex;
    if (i < 0 || this.items[i] !== e) return;
    const lastIndex = this.items.length - 1;
    const last = this.items.pop() as T;
    e.heapIndex = -1;
    if (last === e) return;
    this.place(last, i, this.deadlines[lastIndex], this.seqs[lastIndex]);
    this.up(i);
    this.down(last.heapIndex);
  }

  /** Restores order after `e.deadline` changed. */
  update(e: T): void {
    const i = e.heapIndex;
    if (i < 0) return;
    this.deadlines[i] = e.deadline;
    this.up(i);
    this.down(e.heapIndex);
  }

  private grow(): void {
    const d = new Float64Array(this.deadlines.length * 2);
    d.set(this.deadlines);
    this.deadlines = d;
    const s = new Float64Array(this.seqs.length * 2);
    s.set(this.seqs);
    this.seqs = s;
  }

  private place(e: T, i: number, deadline: number, seq: number): void {
    this.items[i] = e;
    this.deadlines[i] = deadline;
    this.seqs[i] = seq;
    e.heapIndex = i;
  }

  /** Moves the entry at `i` towards the root while it sorts before its parent (a hole moves down instead of swapping). */
  private up(i: number): void {
    const deadlines = this.deadlines;
    const seqs = this.seqs;
    const e = this.items[i];
    const d = deadlines[i];
    const s = seqs[i];
    while (i > 0) {
      const p = ((i - 1) / ARITY) | 0;
      const pd = deadlines[p];
      if (!(d < pd || (d === pd && s < seqs[p]))) break;
      this.place(this.items[p], i, pd, seqs[p]);
      i = p;
    }
    this.place(e, i, d, s);
  }

  /** Moves the entry at `i` towards the leaves while a child sorts before it. */
  private down(i: number): void {
    const deadlines = this.deadlines;
    const seqs = this.seqs;
    const n = this.items.length;
    const e = this.items[i];
    const d = deadlines[i];
    const s = seqs[i];
    for (;;) {
      const first = i * ARITY + 1;
      if (first >= n) break;
      const end = first + ARITY < n ? first + ARITY : n;
      let m = first;
      let md = deadlines[first];
      let ms = seqs[first];
      for (let c = first + 1; c < end; c++) {
        const cd = deadlines[c];
        if (cd < md || (cd === md && seqs[c] < ms)) {
          m = c;
          md = cd;
          ms = seqs[c];
        }
      }
      if (!(md < d || (md === d && ms < s))) break;
      this.place(this.items[m], i, md, ms);
      i = m;
    }
    this.place(e, i, d, s);
  }
}
