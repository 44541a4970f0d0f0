/**
 * The ordered header list of a SIP message: original name spelling and position are kept,
 * lookups are case-insensitive and understand compact forms, and typed views derived from a
 * header are memoized here so that any mutation of that header drops them.
 */
import { SipprobeError } from '../errors';
import * as names from './header-names';
import * as hv from './header-values';

// Bound once: under tsx/esbuild, imported bindings are getters, which costs on every call.
const { headerKey, isListHeader } = names;
const { firstListComma, splitList, trimWs } = hv;

/** Thrown when code (not the network) tries to add a header that cannot be represented safely. */
export class SipHeaderError extends SipprobeError {
  constructor(message: string) {
    super('SIP_INVALID_HEADER', message);
  }
}

/** @internal Marker for "not memoized yet". */
export const MEMO_MISS: unique symbol = Symbol('memo-miss');

/** One header line as stored: `name` as written (or as given), `value` unfolded and trimmed. */
export interface SipHeaderField {
  readonly name: string;
  readonly value: string;
}

function checkName(name: string): void {
  if (name.length === 0) throw new SipHeaderError('empty header name');
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    // token characters only: nothing that could end the name or the line
    if (c <= 32 || c >= 127 || c === 58 || c === 34 || c === 40 || c === 41 || c === 44 || c === 47 || c === 59 || c === 60 || c === 61 || c === 62 || c === 63 || c === 64 || c === 91 || c === 92 || c === 93 || c === 123 || c === 125) {
      throw new SipHeaderError(`invalid character in header name at ${i}`);
    }
  }
}

function checkValue(value: string): void {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 13 || c === 10 || c === 0) throw new SipHeaderError(`line break or NUL in header value at ${i}`);
    if (c >= 0xd800 && c <= 0xdfff) {
      // UTF-8 cannot carry a lone surrogate: it would not survive the wire
      const pair = c <= 0xdbff && i + 1 < value.length && (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
      if (!pair) throw new SipHeaderError(`unpaired surrogate in header value at ${i}`);
      i++;
    }
  }
}

/** Ordered, case-insensitive header list. Names passed to methods may be any spelling or compact form. */
export class SipHeaderList implements Iterable<SipHeaderField> {
  private names: string[] = [];
  private keys: string[] = [];
  private vals: string[] = [];
  private memo: Map<string, unknown> | undefined;
  // Memo slots of the views every message handler reads, kept out of the Map for speed.
  /** @internal */ _topVia: unknown = MEMO_MISS;
  /** @internal */ _from: unknown = MEMO_MISS;
  /** @internal */ _to: unknown = MEMO_MISS;
  /** @internal */ _cseq: unknown = MEMO_MISS;
  /**
   * @internal The parsed message head, when the parser could leave the first Via/From/To value
   * in place: `_viaA`/`_viaZ` (and from/to) are its offsets there, -1 while no such line was
   * seen, -2 once it must be read from `vals` instead (folded, not decoded 1:1, or edited).
   */
  _src = '';
  /** @internal */ _viaA = -1;
  /** @internal */ _viaZ = 0;
  /** @internal */ _fromA = -1;
  /** @internal */ _fromZ = 0;
  /** @internal */ _toA = -1;
  /** @internal */ _toZ = 0;

  /** Number of header lines. */
  get size(): number {
    return this.names.length;
  }

  /** @internal Fast append used by the parser: no validation, key precomputed. */
  _push(name: string, key: string, value: string): void {
    this.names.push(name);
    this.keys.push(key);
    this.vals.push(value);
  }

  /** True when at least one line of this header exists. */
  has(name: string): boolean {
    return this.keys.indexOf(headerKey(name)) >= 0;
  }

  /** The whole value of the first line of this header (not list-split), or `undefined`. */
  get(name: string): string | undefined {
    return this.getByKey(headerKey(name));
  }

  /** @internal */
  getByKey(key: string): string | undefined {
    const i = this.keys.indexOf(key);
    return i < 0 ? undefined : this.vals[i];
  }

  /**
   * The first value: for list headers (Via, Contact, Route …) the first comma-separated
   * element of the first line, else the first line.
   */
  first(name: string): string | undefined {
    return this.firstByKey(headerKey(name));
  }

  /** Every line's whole value, in order (no comma splitting). Use for WWW-Authenticate and friends. */
  lines(name: string): string[] {
    return this.linesByKey(headerKey(name));
  }

  /** @internal */
  linesByKey(key: string): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] === key) out.push(this.vals[i]);
    return out;
  }

  /** All values in order across repeated lines; list headers are split on commas outside quotes and `<>`. */
  getAll(name: string): string[] {
    return this.getAllByKey(headerKey(name));
  }

  /** @internal */
  getAllByKey(key: string): string[] {
    const split = isListHeader(key);
    const out: string[] = [];
    for (let i = 0; i < this.keys.length; i++) {
      if (this.keys[i] !== key) continue;
      if (split) splitList(this.vals[i], out);
      else out.push(this.vals[i]);
    }
    return out;
  }

  /** Replaces the first line of this header in place (keeping its position) and removes the others; appends if absent. */
  set(name: string, value: string): this {
    checkName(name);
    checkValue(value);
    const key = headerKey(name);
    this.invalidate(key);
    const i = this.keys.indexOf(key);
    if (i < 0) {
      this._push(name, key, value);
      return this;
    }
    this.names[i] = name;
    this.vals[i] = value;
    for (let j = this.keys.length - 1; j > i; j--) if (this.keys[j] === key) this.removeAt(j);
    return this;
  }

  /** Appends a header line at the end. */
  add(name: string, value: string): this {
    checkName(name);
    checkValue(value);
    const key = headerKey(name);
    this.invalidate(key);
    this._push(name, key, value);
    return this;
  }

  /** Inserts a line before the first existing line of this header (or at the top): how a proxy adds its Via. */
  prepend(name: string, value: string): this {
    checkName(name);
    checkValue(value);
    const key = headerKey(name);
    this.invalidate(key);
    let i = this.keys.indexOf(key);
    if (i < 0) i = 0;
    this.names.splice(i, 0, name);
    this.keys.splice(i, 0, key);
    this.vals.splice(i, 0, value);
    return this;
  }

  /** Removes every line of this header; returns how many were removed. */
  remove(name: string): number {
    const key = headerKey(name);
    this.invalidate(key);
    let n = 0;
    for (let j = this.keys.length - 1; j >= 0; j--) {
      if (this.keys[j] === key) {
        this.removeAt(j);
        n++;
      }
    }
    return n;
  }

  /** Removes the first list element of this header (e.g. the top Via on a response going upstream). */
  removeFirstValue(name: string): boolean {
    const key = headerKey(name);
    const i = this.keys.indexOf(key);
    if (i < 0) return false;
    this.invalidate(key);
    const v = this.vals[i];
    const comma = isListHeader(key) ? firstListComma(v) : -1;
    if (comma < 0) this.removeAt(i);
    else this.vals[i] = trimWs(v.slice(comma + 1));
    return true;
  }

  /** Header lines in order. */
  *[Symbol.iterator](): IterableIterator<SipHeaderField> {
    for (let i = 0; i < this.names.length; i++) yield { name: this.names[i], value: this.vals[i] };
  }

  /** @internal Name/value at index, for the serializer. */
  nameAt(i: number): string {
    return this.names[i];
  }

  /** @internal */
  valueAt(i: number): string {
    return this.vals[i];
  }

  /** @internal */
  keyAt(i: number): string {
    return this.keys[i];
  }

  /** A copy (memo not shared). */
  clone(): SipHeaderList {
    const c = new SipHeaderList();
    c.names = this.names.slice();
    c.keys = this.keys.slice();
    c.vals = this.vals.slice();
    return c;
  }

  /** @internal First list element of header `key` (see {@link first}). */
  firstByKey(key: string): string | undefined {
    const v = this.getByKey(key);
    if (v === undefined || v.indexOf(',') < 0 || !isListHeader(key)) return v;
    const comma = firstListComma(v);
    return comma < 0 ? v : trimWs(v.slice(0, comma));
  }

  /** @internal */
  memoGet(key: string): unknown {
    const m = this.memo;
    if (m === undefined) return MEMO_MISS;
    const v = m.get(key);
    return v === undefined && !m.has(key) ? MEMO_MISS : v;
  }

  /** @internal */
  memoSet(key: string, value: unknown): void {
    (this.memo ??= new Map()).set(key, value);
  }

  /** @internal Memoizes a typed view of header `key`; dropped when that header changes. */
  memoize<T>(key: string, compute: () => T): T {
    let m = this.memo;
    if (m === undefined) m = this.memo = new Map();
    else if (m.has(key)) return m.get(key) as T;
    const v = compute();
    m.set(key, v);
    return v;
  }

  private invalidate(key: string): void {
    switch (key) {
      case 'via':
        this._topVia = MEMO_MISS;
        this._viaA = -2;
        break;
      case 'from':
        this._from = MEMO_MISS;
        this._fromA = -2;
        break;
      case 'to':
        this._to = MEMO_MISS;
        this._toA = -2;
        break;
      case 'cseq':
        this._cseq = MEMO_MISS;
        break;
    }
    if (this.memo === undefined) return;
    // typed views are keyed by header key, optionally with a ':' suffix (e.g. 'via:top')
    for (const k of this.memo.keys()) if (k === key || k.startsWith(key + ':')) this.memo.delete(k);
  }

  private removeAt(j: number): void {
    this.names.splice(j, 1);
    this.keys.splice(j, 1);
    this.vals.splice(j, 1);
  }
}
