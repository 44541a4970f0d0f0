/** PCM helpers shared by audio tests. */

/** The parts one after another in one buffer. */
export function concatPcm(...parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A copy of an RTP session's audio frame to keep: the session reuses the frame and its PCM. */
export function keepFrame<F extends { readonly pcm: Int16Array }>(f: F): F {
  return { ...f, pcm: f.pcm.slice() };
}
