/** An entry the pacer's heap can order: earliest `deadline` first, ties by `seq` (add order). */
export interface HeapEntry {
  deadline: number;
  readonly seq: number;
  /** Position in the heap array, −1 when not in a heap. Maintained by {@link DeadlineHeap}. */
  heapIndex: number;
}

/**
 * Binary min-heap with positions stored in the entries, so removing or re-keying any entry is
 * O(log n) — streams come and go mid-call and every tick re-keys one entry.
 */
export class DeadlineHeap<T extends HeapEntry> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(e: T): void {
    e.heapIndex = this.items.length;
    this.items.push(e);
    this.up(e.heapIndex);
  }

  remove(e: T): void {
    const i = e.heapIndex;
    if (i < 0 || this.items[i] !== e) return;
    const last = this.items.pop() as T;
    e.heapIndex = -1;
    if (last === e) return;
    this.items[i] = last;
    last.heapIndex = i;
    this.up(i);
    this.down(last.heapIndex);
  }

  /** Restores order after `e.deadline` changed. */
  update(e: T): void {
    if (e.heapIndex < 0) return;
    this.up(e.heapIndex);
    this.down(e.heapIndex);
  }

  private less(a: T, b: T): boolean {
    return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
  }

  private swap(i: number, j: number): void {
    const a = this.items[i];
    const b = this.items[j];
    this.items[i] = b;
    this.items[j] = a;
    a.heapIndex = j;
    b.heapIndex = i;
  }

  private up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(this.items[i], this.items[p])) return;
      this.swap(i, p);
      i = p;
    }
  }

  private down(i: number): void {
    const n = this.items.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(this.items[l], this.items[m])) m = l;
      if (r < n && this.less(this.items[r], this.items[m])) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}
