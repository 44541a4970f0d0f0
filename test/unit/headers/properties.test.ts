import fc from 'fast-check';
import { buildTestHeaders, formatTestHeaderLines, HeaderInjectionError, TestHeaderError } from '../../../src/headers';

const RUN = { runId: 'r', scenarioId: 's', resultId: 'q' };

/** Strings biased towards the characters that matter: CR, LF, NUL, controls, colons, surrogates. */
const nasty = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 40, unit: fc.constantFrom('a', 'X', '-', ':', ' ', '\t', '\r', '\n', '\0', '\u0085', '\ud800', '\udc00', 'é', '\u2028') }),
  fc.string({ maxLength: 1100 }),
);
const xKey = fc.oneof(nasty.map((s) => `X-${s}`), nasty.map((s) => `x-${s}`), fc.constantFrom('X-Run-Id', 'x-result-id', 'X-A', 'x-a'));
const scalar = fc.oneof(nasty, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.object());

function checkOutput(r: ReturnType<typeof buildTestHeaders>): void {
  for (const h of r.headers) {
    expect(h.name).toMatch(/^[A-Za-z0-9\-.!%*_+`'~]+$/);
    expect(h.value).not.toMatch(/[\r\n\0]/);
    expect(Buffer.byteLength(`${h.name}: ${h.value}`)).toBeLessThanOrEqual(1024);
  }
  const lines = formatTestHeaderLines(r.headers);
  expect(lines.split('\r\n')).toHaveLength(r.headers.length + 1);
  expect(lines.replace(/\r\n/g, '')).not.toMatch(/[\r\n\0]/);
  const lower = r.headers.map((h) => h.name.toLowerCase());
  expect(new Set(lower).size).toBe(lower.length);
}

function run(fn: () => ReturnType<typeof buildTestHeaders>): ReturnType<typeof buildTestHeaders> | undefined {
  try {
    return fn();
  } catch (e) {
    // Only typed errors are allowed, never a TypeError or RangeError.
    expect(e).toBeInstanceOf(TestHeaderError);
    return undefined;
  }
}

describe('buildTestHeaders properties', () => {
  it('never produces a header with CR/LF/NUL, a non-token name, an over-long line or a duplicate', () => {
    fc.assert(
      fc.property(
        fc.dictionary(xKey, scalar, { maxKeys: 6 }),
        fc.array(fc.oneof(fc.tuple(nasty, scalar), nasty.map((s) => `X-${s}`), nasty), { maxLength: 5 }),
        fc.record({ runId: fc.option(nasty), scenarioId: fc.option(fc.oneof(nasty, fc.integer())), resultId: fc.option(nasty) }),
        (vars, extra, ids) => {
          const r = run(() => buildTestHeaders(ids, { information: { main_agent_variables: vars } }, extra as never));
          if (r) checkOutput(r);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('refuses exactly the values and names holding CR, LF or NUL, wherever they come from', () => {
    const unit = fc.constantFrom('a', 'b', ' ', ':', '\t', '-', '\r', '\n', '\0');
    const value = fc.string({ unit, maxLength: 30 });
    const name = fc.string({ unit: fc.constantFrom('a', 'B', '-', '\r', '\n', '\0'), minLength: 1, maxLength: 8 }).map((s) => `X-${s}`);
    const where = fc.constantFrom('run', 'profile', 'extra-object', 'extra-pair', 'extra-line');
    fc.assert(
      fc.property(name, value, where, (n, v, w) => {
        const call = (): ReturnType<typeof buildTestHeaders> => {
          switch (w) {
            case 'run':
              return buildTestHeaders({ runId: `id${v}` });
            case 'profile':
              return buildTestHeaders(RUN, { information: { main_agent_variables: { [n]: v } } });
            case 'extra-object':
              return buildTestHeaders(RUN, null, { [n]: v });
            case 'extra-pair':
              return buildTestHeaders(RUN, null, [[n, v]]);
            default:
              return buildTestHeaders(RUN, null, [`${n}: ${v}`]);
          }
        };
        const injected = /[\r\n\0]/.test(w === 'run' ? v : `${n}${v}`);
        if (injected) {
          expect(call).toThrow(HeaderInjectionError);
        } else {
          checkOutput(call());
        }
      }),
      { numRuns: 500 },
    );
  });

  it('succeeds for clean input and keeps every X- key and value exactly', () => {
    const cleanName = fc.stringMatching(/^[A-Za-z0-9\-.!%*_+`'~]{1,20}$/).map((s) => `X-P${s}`);
    const cleanValue = fc.string({ unit: 'grapheme', maxLength: 60 }).map((s) => s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '').trim());
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(cleanName, cleanValue), { maxLength: 8, selector: ([n]) => n.toLowerCase() }), (pairs) => {
        const vars = Object.fromEntries(pairs);
        const r = buildTestHeaders(RUN, { information: { main_agent_variables: vars } });
        checkOutput(r);
        expect(r.headers.slice(3).map((h) => [h.name, h.value])).toEqual(Object.entries(vars));
      }),
      { numRuns: 300 },
    );
  });

  it('never lets testing_agent_variables or non-X- main variables onto the output', () => {
    const marker = 'ZZMARK';
    const hiddenKey = fc.oneof(
      fc.string({ maxLength: 12 }).map((s) => `${marker}${s}`),
      fc.string({ maxLength: 12 }).map((s) => `X-${marker}${s}`),
    );
    const hiddenVal = fc.oneof(fc.string({ maxLength: 12 }).map((s) => `${marker}${s}`), fc.object());
    const nonXKey = fc.string({ maxLength: 12 }).filter((k) => !/^x-/i.test(k)).map((k) => `${k}${marker}`);
    fc.assert(
      fc.property(
        fc.dictionary(hiddenKey, hiddenVal, { maxKeys: 6 }),
        fc.dictionary(nonXKey, hiddenVal, { maxKeys: 6 }),
        fc.dictionary(fc.stringMatching(/^[A-Za-z0-9]{1,10}$/).map((s) => `X-V${s}`), fc.stringMatching(/^[a-z0-9]{0,10}$/), { maxKeys: 4 }),
        (testing, nonX, visible) => {
          const main = { ...nonX, ...visible };
          const r = buildTestHeaders(RUN, { name: marker, information: { main_agent_variables: main, testing_agent_variables: testing } });
          expect(JSON.stringify(r)).not.toContain(marker);
          expect(formatTestHeaderLines(r.headers)).not.toContain(marker);
          expect(r.headers.length).toBe(3 + Object.keys(visible).length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
