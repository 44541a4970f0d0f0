/**
 * Word error rate: word-level Levenshtein distance between normalised reference and hypothesis.
 * Normalisation: lower case, Unicode NFKC, everything except letters, digits and in-word
 * apostrophes becomes a space.
 */
import type { ScriptedTurnWer, Transcript, WordErrorRate } from './types';

/** Lower-cased words of `text` with punctuation removed. */
export function normaliseWords(text: string): string[] {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}']+/gu, ' ')
    .replace(/(^|\s)'+|'+(?=\s|$)/g, ' ')
    .split(/\s+/)
    .filter((w) => w.length > 0);
}

/** WER of `hypothesis` against `reference`; with an empty reference every inserted word counts 1. */
export function wordErrorRate(reference: string, hypothesis: string): WordErrorRate {
  const ref = normaliseWords(reference);
  const hyp = normaliseWords(hypothesis);
  const n = ref.length;
  const m = hyp.length;
  // Two rows of (cost, subs, dels, ins): O(n·m) time, O(m) memory.
  let prev = new Array<[number, number, number, number]>(m + 1);
  let cur = new Array<[number, number, number, number]>(m + 1);
  for (let j = 0; j <= m; j++) prev[j] = [j, 0, 0, j];
  for (let i = 1; i <= n; i++) {
    cur[0] = [i, 0, i, 0];
    for (let j = 1; j <= m; j++) {
      const sub = prev[j - 1];
      const del = prev[j];
      const ins = cur[j - 1];
      const same = ref[i - 1] === hyp[j - 1];
      const cSub = sub[0] + (same ? 0 : 1);
      const cDel = del[0] + 1;
      const cIns = ins[0] + 1;
      if (cSub <= cDel && cSub <= cIns) cur[j] = [cSub, sub[1] + (same ? 0 : 1), sub[2], sub[3]];
      else if (cDel <= cIns) cur[j] = [cDel, del[1], del[2] + 1, del[3]];
      else cur[j] = [cIns, ins[1], ins[2], ins[3] + 1];
    }
    [prev, cur] = [cur, prev];
  }
  const [cost, substitutions, deletions, insertions] = prev[m];
  return {
    wer: n === 0 ? insertions : Math.round((cost / n) * 10000) / 10000,
    substitutions,
    deletions,
    insertions,
    referenceWords: n,
    hypothesisWords: m,
  };
}

/**
 * WER of the caller's scripted turns: the i-th expected text against the i-th caller turn of the
 * transcript (a missing turn is all deletions).
 */
export function scriptedTurnsWer(expected: readonly string[], transcript: Transcript): ScriptedTurnWer[] {
  const callerTurns = transcript.turns.filter((t) => t.speaker === 'caller');
  return expected.map((text, index) => {
    const got = callerTurns[index]?.text ?? null;
    return { index, expected: text, recognised: got, ...wordErrorRate(text, got ?? '') };
  });
}
