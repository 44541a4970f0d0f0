import Ajv2020 from 'ajv/dist/2020';
import {
  callMetricsJsonSchema,
  callResultJsonSchema,
  CALL_RESULT_SCHEMA_ID,
  ReportError,
  rtpQualityJsonSchema,
  scriptedWerJsonSchema,
  toJson,
  transcriptJsonSchema,
} from '../../../src/report';
import { evaluatedCall, FIXTURE_NAMES, loadResult } from './fixtures';

const ajv = new Ajv2020({ allErrors: true, strict: true });
const validate = ajv.compile(callResultJsonSchema);

function errorsOf(value: unknown): string {
  return validate(value) ? '' : ajv.errorsText(validate.errors);
}

describe('toJson + callResultJsonSchema', () => {
  it('is a strict-mode-valid draft 2020-12 schema with a stable $id', () => {
    expect(callResultJsonSchema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(callResultJsonSchema.$id).toBe(CALL_RESULT_SCHEMA_ID);
  });

  it.each(FIXTURE_NAMES)('validates the %s fixture after a JSON round trip', (name) => {
    const result = loadResult(name);
    const text = toJson(result);
    const parsed = JSON.parse(text);
    expect(errorsOf(parsed)).toBe('');
    expect(parsed).toEqual(result);
  });

  it('voicemail: absent (results saved before it existed), null, or a beep; anything else is refused', () => {
    const result = loadResult('completed');
    expect('voicemail' in result).toBe(false);
    expect(errorsOf(result)).toBe('');
    expect(errorsOf({ ...result, voicemail: null })).toBe('');
    expect(errorsOf({ ...result, voicemail: { beepStartMs: 5100, beepEndMs: 5600, beepFrequencyHz: 1000 } })).toBe('');
    expect(errorsOf({ ...result, voicemail: { beepStartMs: 5100, beepEndMs: 5600, beepFrequencyHz: 0 } })).not.toBe('');
    expect(errorsOf({ ...result, voicemail: { beepStartMs: 5100, beepEndMs: 5600 } })).not.toBe('');
    expect(errorsOf({ ...result, voicemail: true })).not.toBe('');
  });

  it('writes schemaVersion first and honours indent', () => {
    const result = loadResult('busy');
    const { schemaVersion, ...rest } = result;
    const reordered = { ...rest, schemaVersion };
    const text = toJson(reordered as typeof result, { indent: 0 });
    expect(text.startsWith('{"schemaVersion":1,')).toBe(true);
    expect(text).not.toContain('\n');
    expect(toJson(result).split('\n')[1]).toBe('  "schemaVersion": 1,');
  });

  it('refuses NaN/Infinity with the path instead of writing null', () => {
    const result = loadResult('completed');
    result.rtp!.received.jitterMs = Number.NaN;
    expect(() => toJson(result)).toThrow(ReportError);
    expect(() => toJson(result)).toThrow(/CallResult\.rtp\.received\.jitterMs is NaN/);
    const r2 = loadResult('completed');
    r2.timeline[3].t = Infinity;
    try {
      toJson(r2);
      throw new Error('did not throw');
    } catch (e) {
      expect((e as ReportError).code).toBe('REPORT_NOT_JSON');
      expect((e as Error).message).toContain('timeline.3.t is Infinity');
    }
  });

  it('refuses a circular structure with a typed error', () => {
    const result = loadResult('busy') as unknown as Record<string, unknown>;
    (result.sip as Record<string, unknown>).self = result;
    expect(() => toJson(result as never)).toThrow(/circular/);
  });

  it('refuses a bigint or a function with its path', () => {
    const result = loadResult('completed') as unknown as Record<string, unknown>;
    (result.warnings as unknown[]).push('fine', 12n);
    expect(() => toJson(result as never)).toThrow(/CallResult\.warnings\.\d+ is a bigint/);
    const r2 = loadResult('completed') as unknown as Record<string, unknown>;
    (r2.sip as Record<string, unknown>).hook = () => 1;
    expect(() => toJson(r2 as never)).toThrow(/CallResult\.sip\.hook is a function/);
  });

  describe('rejects wrong shapes', () => {
    const cases: Array<[string, (r: Record<string, any>) => void, RegExp]> = [
      ['unknown top-level field', (r) => (r.extra = 1), /additional properties/],
      ['missing field', (r) => delete r.timings, /must have required property 'timings'/],
      ['wrong schemaVersion', (r) => (r.schemaVersion = 2), /must be equal to constant/],
      ['unknown outcome', (r) => (r.outcome = 'success'), /must be equal to one of the allowed values/],
      ['string where number', (r) => (r.timings.answerMs = '1004'), /must be number/],
      ['negative packet count', (r) => (r.rtp.sent.packets = -1), /must be >= 0/],
      ['fractional packet count', (r) => (r.rtp.sent.packets = 1.5), /must be integer/],
      ['payload type out of range', (r) => (r.codec.payloadType = 128), /must be <= 127/],
      ['status out of range', (r) => (r.sip.finalStatus = 99), /must be >= 100/],
      ['bad direction', (r) => (r.messages[0].direction = 'inbound'), /allowed values/],
      ['bad wall-clock time', (r) => (r.messages[0].at = 'yesterday'), /must match pattern/],
      ['extra ladder field', (r) => (r.messages[0].password = 'x'), /additional properties/],
      ['header without value', (r) => delete r.sip.headersSent[0].value, /required property 'value'/],
      ['channels not 2', (r) => (r.audio.channels = 1), /constant/],
      ['timeline detail not string', (r) => (r.timeline[0].detail = 5), /must be string/],
      ['error without message', (r) => (r.error = { code: 'X' }), /required property 'message'/],
      ['warnings not strings', (r) => (r.warnings = [1]), /must be string/],
      ['endedBy unknown', (r) => (r.endedBy = 'network'), /allowed values/],
    ];
    it.each(cases)('%s', (_name, mutate, message) => {
      const r = loadResult('completed') as unknown as Record<string, any>;
      expect(errorsOf(r)).toBe('');
      mutate(r);
      expect(errorsOf(r)).toMatch(message);
    });
  });
});

describe('schema nodes of the evaluation parts', () => {
  it('accept what src/metrics computes and reject wrong shapes', () => {
    const { result } = evaluatedCall();
    const r = result as unknown as Record<string, any>;
    const check = (schema: object, value: unknown) => {
      const v = ajv.compile(schema);
      return v(value) ? '' : ajv.errorsText(v.errors);
    };
    expect(check(callMetricsJsonSchema, r.metrics)).toBe('');
    expect(check(rtpQualityJsonSchema, r.rtpQuality)).toBe('');
    expect(check(transcriptJsonSchema, r.transcript)).toBe('');
    expect(check(scriptedWerJsonSchema, [{ index: 0, expected: 'a b', recognised: null, wer: 1, substitutions: 0, deletions: 2, insertions: 0, referenceWords: 2, hypothesisWords: 0 }])).toBe('');
    expect(check(callMetricsJsonSchema, { ...r.metrics, turns: [{ index: 0 }] })).toMatch(/required property/);
    expect(check(rtpQualityJsonSchema, { ...r.rtpQuality, received: { ...r.rtpQuality.received, emodel: { ...r.rtpQuality.received.emodel, mos: 7 } } })).toMatch(/must be <= 4.5/);
    expect(check(transcriptJsonSchema, { ...r.transcript, turns: [{ speaker: 'bot', startMs: 0, endMs: 1, text: '' }] })).toMatch(/allowed values/);
  });
});
