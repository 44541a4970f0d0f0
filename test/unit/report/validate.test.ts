import Ajv2020 from 'ajv/dist/2020';
import fc from 'fast-check';
import { callResultJsonSchema, parseCallResultJson, ReportError, schemaErrors, toJson } from '../../../src/report';
import { FIXTURE_NAMES, loadResult } from './fixtures';

const ajv = new Ajv2020({ allErrors: true, strict: true });
const validate = ajv.compile(callResultJsonSchema);

describe('parseCallResultJson / schemaErrors', () => {
  it.each(FIXTURE_NAMES)('reads back what toJson wrote (%s)', (name) => {
    const r = loadResult(name);
    expect(parseCallResultJson(toJson(r))).toEqual(r);
  });

  it('typed errors for non-JSON and for wrong shapes', () => {
    expect(() => parseCallResultJson('{nope')).toThrow(expect.objectContaining({ code: 'REPORT_BAD_JSON' }));
    const r = loadResult('completed') as unknown as Record<string, any>;
    r.rtp.sent.packets = -3;
    r.extra = true;
    try {
      parseCallResultJson(JSON.stringify(r));
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(ReportError);
      expect((e as ReportError).code).toBe('REPORT_INVALID_RESULT');
      expect((e as Error).message).toContain('/rtp/sent/packets: must be >= 0');
      expect((e as Error).message).toContain('unexpected field "extra"');
    }
    expect(() => parseCallResultJson('null')).toThrow(/must be object/);
    expect(() => parseCallResultJson('[]')).toThrow(/must be object/);
  });

  it('agrees with ajv on random mutations of a valid result', () => {
    const base = loadResult('completed');
    const paths: string[][] = [];
    const collect = (v: unknown, p: string[]): void => {
      paths.push(p);
      if (v && typeof v === 'object') for (const k of Object.keys(v)) collect((v as Record<string, unknown>)[k], [...p, k]);
    };
    collect(base, []);
    const replacement = fc.oneof(
      fc.constant(null),
      fc.constant(undefined),
      fc.integer({ min: -5, max: 700 }),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.string({ maxLength: 5 }),
      fc.boolean(),
      fc.constant([]),
      fc.constant({}),
      fc.constantFrom('udp', 'sent', 'completed', 'caller', '2025-01-15T10:00:00Z'),
    );
    fc.assert(
      fc.property(fc.nat(paths.length - 2), replacement, (i, rep) => {
        const r = JSON.parse(JSON.stringify(base));
        const p = paths[i + 1];
        let o = r;
        for (const k of p.slice(0, -1)) o = o[k];
        if (rep === undefined) delete o[p[p.length - 1]];
        else o[p[p.length - 1]] = rep;
        expect(schemaErrors(r).length === 0).toBe(validate(r) as boolean);
      }),
      { numRuns: 400 },
    );
  });
});
