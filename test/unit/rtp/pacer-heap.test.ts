import fc from 'fast-check';
import { DeadlineHeap, type HeapEntry } from '../../../src/rtp/pacer-heap';

interface Entry extends HeapEntry {
  readonly id: number;
}

/** What the heap must agree with: the earliest deadline, ties by seq. */
function earliest(live: Entry[]): Entry | undefined {
  let best: Entry | undefined;
  for (const e of live) if (!best || e.deadline < best.deadline || (e.deadline === best.deadline && e.seq < best.seq)) best = e;
  return best;
}

type Op = { op: 'push'; deadline: number } | { op: 'remove'; pick: number } | { op: 'update'; pick: number; deadline: number } | { op: 'advanceTop'; by: number };

// Deadlines from a small set, so that ties (decided by seq) are common.
const deadline = fc.integer({ min: 0, max: 40 }).map((x) => x * 2.5);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: deadline.map((d) => ({ op: 'push' as const, deadline: d })) },
  { weight: 2, arbitrary: fc.nat().map((pick) => ({ op: 'remove' as const, pick })) },
  { weight: 2, arbitrary: fc.record({ pick: fc.nat(), deadline }).map((r) => ({ op: 'update' as const, ...r })) },
  // what the pacer does on every frame: the earliest entry moves one frame later
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 60 }).map((by) => ({ op: 'advanceTop' as const, by })) },
);

test('DeadlineHeap agrees with a plain scan after any sequence of push, remove, re-key and advance-the-top', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
      const heap = new DeadlineHeap<Entry>();
      const live: Entry[] = [];
      let seq = 0;
      for (const o of ops) {
        if (o.op === 'push') {
          const e: Entry = { id: seq, seq: seq++, deadline: o.deadline, heapIndex: -1 };
          heap.push(e);
          live.push(e);
        } else if (live.length > 0 && o.op === 'remove') {
          const [e] = live.splice(o.pick % live.length, 1);
          heap.remove(e);
          heap.remove(e); // a second remove is a no-op
          expect(e.heapIndex).toBe(-1);
        } else if (live.length > 0 && o.op === 'update') {
          const e = live[o.pick % live.length];
          e.deadline = o.deadline;
          heap.update(e);
        } else if (live.length > 0 && o.op === 'advanceTop') {
          const top = heap.peek()!;
          top.deadline += o.by;
          heap.update(top);
        }
        expect(heap.size).toBe(live.length);
        expect(heap.peek()).toBe(earliest(live));
      }
      // draining yields every entry in (deadline, seq) order
      const order: number[] = [];
      for (let e = heap.peek(); e !== undefined; e = heap.peek()) {
        order.push(e.id);
        heap.remove(e);
      }
      const expected = [...live].sort((a, b) => a.deadline - b.deadline || a.seq - b.seq).map((e) => e.id);
      expect(order).toEqual(expected);
    }),
    { numRuns: 300 },
  );
});

test('an entry removed from the heap is ignored by update and remove', () => {
  const heap = new DeadlineHeap<Entry>();
  const a: Entry = { id: 0, seq: 0, deadline: 5, heapIndex: -1 };
  const b: Entry = { id: 1, seq: 1, deadline: 7, heapIndex: -1 };
  heap.push(a);
  heap.push(b);
  heap.remove(a);
  a.deadline = 0;
  heap.update(a);
  expect(heap.size).toBe(1);
  expect(heap.peek()).toBe(b);
});
