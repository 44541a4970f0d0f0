import {
  buildTestHeaders,
  formatTestHeaderLines,
  parseTestHeaderLine,
  DuplicateTestHeaderError,
  HeaderInjectionError,
  InvalidTestHeaderNameError,
  InvalidTestHeaderValueError,
  InvalidTestProfileError,
  ReservedTestHeaderError,
  StandardHeaderNotAllowedError,
  TestHeaderError,
  TestHeaderSyntaxError,
  TestHeaderTooLongError,
  type TestProfile,
} from '../../../src/headers';
import { SipprobeError } from '../../../src/errors';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const RUN = { runId: 'run-1', scenarioId: 'sc-2', resultId: 'res-3' };

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('buildTestHeaders: run ids', () => {
  it('puts the three id headers first, values from run, nothing generated', () => {
    const r = buildTestHeaders(RUN);
    expect(r.headers).toEqual([
      { name: 'X-Run-Id', value: 'run-1', source: 'run' },
      { name: 'X-Scenario-Id', value: 'sc-2', source: 'run' },
      { name: 'X-Result-Id', value: 'res-3', source: 'run' },
    ]);
    expect(r.ids).toEqual({ ...RUN, generated: [] });
    expect(r.warnings).toEqual([]);
  });

  it('generates missing ids as distinct UUID v4 and lists them', () => {
    const r = buildTestHeaders({ scenarioId: 'only-this' });
    expect(r.ids.generated).toEqual(['runId', 'resultId']);
    expect(r.ids.runId).toMatch(UUID_V4);
    expect(r.ids.resultId).toMatch(UUID_V4);
    expect(r.ids.runId).not.toBe(r.ids.resultId);
    expect(r.ids.scenarioId).toBe('only-this');
    expect(r.headers.map((h) => h.value)).toEqual([r.ids.runId, 'only-this', r.ids.resultId]);
  });

  it('generates all three with no run (undefined or null ids), fresh each call', () => {
    const a = buildTestHeaders();
    const b = buildTestHeaders({ runId: null, scenarioId: undefined, resultId: null });
    expect(a.ids.generated).toEqual(['runId', 'scenarioId', 'resultId']);
    expect(b.ids.generated).toEqual(['runId', 'scenarioId', 'resultId']);
    expect(a.ids.runId).not.toBe(b.ids.runId);
    expect(a.headers.map((h) => h.name)).toEqual(['X-Run-Id', 'X-Scenario-Id', 'X-Result-Id']);
  });

  it('stringifies numeric ids (platform result ids are integers)', () => {
    const r = buildTestHeaders({ runId: 42, scenarioId: 7, resultId: 123456789 });
    expect(r.headers.map((h) => h.value)).toEqual(['42', '7', '123456789']);
    expect(r.ids.generated).toEqual([]);
  });

  it.each([
    [{ runId: '' }, InvalidTestHeaderValueError],
    [{ runId: '   ' }, InvalidTestHeaderValueError],
    [{ runId: {} }, InvalidTestHeaderValueError],
    [{ runId: true }, InvalidTestHeaderValueError],
    [{ runId: Number.NaN }, InvalidTestHeaderValueError],
    [{ runId: 'a\r\nVia: evil' }, HeaderInjectionError],
    [{ scenarioId: 'a\0b' }, HeaderInjectionError],
    [{ resultId: 'x'.repeat(1020) }, TestHeaderTooLongError],
  ])('refuses bad run %#', (run, cls) => {
    const e = thrown(() => buildTestHeaders(run as never));
    expect(e).toBeInstanceOf(cls);
    expect((e as TestHeaderError).source).toBe('run');
  });

  it('refuses a run that is not an object', () => {
    expect(thrown(() => buildTestHeaders('run-1' as never))).toBeInstanceOf(InvalidTestProfileError);
    expect(thrown(() => buildTestHeaders([] as never))).toBeInstanceOf(InvalidTestProfileError);
  });
});

describe('buildTestHeaders: profile', () => {
  const profile: TestProfile = {
    name: 'billing dispute',
    information: {
      main_agent_variables: {
        'X-Customer-Tier': 'gold',
        'x-lower-key': 'kept-case',
        'X-Count': 3,
        'X-Flag': false,
        'X-Big': 12345678901234567890n as unknown as number,
        customer_name: 'Alice',
        'Xno-dash': 'no',
        prompt: 'You are a helpful agent',
        X: 'too short',
      },
      testing_agent_variables: { 'X-Tester-Secret': 'tsv', persona: 'angry' },
    },
  };

  it('sends only X- keys of main_agent_variables, in key order, case kept, scalars stringified', () => {
    const r = buildTestHeaders(RUN, profile);
    expect(r.headers.slice(3)).toEqual([
      { name: 'X-Customer-Tier', value: 'gold', source: 'profile' },
      { name: 'x-lower-key', value: 'kept-case', source: 'profile' },
      { name: 'X-Count', value: '3', source: 'profile' },
      { name: 'X-Flag', value: 'false', source: 'profile' },
      { name: 'X-Big', value: '12345678901234567890', source: 'profile' },
    ]);
    const all = JSON.stringify(r);
    for (const hidden of ['X-Tester-Secret', 'tsv', 'persona', 'angry', 'customer_name', 'Alice', 'prompt', 'helpful', 'Xno-dash', 'too short', 'billing dispute']) {
      expect(all).not.toContain(hidden);
    }
  });

  it('never reads testing_agent_variables or non-X- keys, even if they would be invalid', () => {
    const r = buildTestHeaders(RUN, {
      information: {
        main_agent_variables: { obj: { nested: 1 }, arr: [1], nul: null, 'Via': 'x' },
        testing_agent_variables: { 'X-Run-Id': { evil: true }, 'X-Bad\r\n': 'a\r\nb' } as never,
      },
    });
    expect(r.headers).toHaveLength(3);
  });

  it('accepts missing or null information / main_agent_variables', () => {
    expect(buildTestHeaders(RUN, { name: 'x' }).headers).toHaveLength(3);
    expect(buildTestHeaders(RUN, { information: null }).headers).toHaveLength(3);
    expect(buildTestHeaders(RUN, { information: { main_agent_variables: null } }).headers).toHaveLength(3);
    expect(buildTestHeaders(RUN, null).headers).toHaveLength(3);
  });

  it.each([
    ['profile not an object', 'p'],
    ['profile an array', []],
    ['information not an object', { information: 'x' }],
    ['main_agent_variables an array', { information: { main_agent_variables: [['X-A', 'b']] } }],
  ])('refuses a malformed profile: %s', (_label, p) => {
    const e = thrown(() => buildTestHeaders(RUN, p as never));
    expect(e).toBeInstanceOf(InvalidTestProfileError);
    expect((e as SipprobeError).code).toBe('TEST_PROFILE_INVALID');
  });

  it.each([
    ['an object', { a: 1 }, /value is an object/],
    ['an array', ['a'], /value is an array/],
    ['null', null, /value is null/],
    ['undefined', undefined, /value is undefined/],
    ['a function', () => 1, /value is function/],
    ['a symbol', Symbol('s'), /value is symbol/],
    ['Infinity', Infinity, /non-finite/],
  ])('refuses an X- value that is %s, naming the key', (_label, value, reason) => {
    const e = thrown(() => buildTestHeaders(RUN, { information: { main_agent_variables: { 'X-Thing': value } } }));
    expect(e).toBeInstanceOf(InvalidTestHeaderValueError);
    expect((e as TestHeaderError).code).toBe('HEADER_VALUE_INVALID');
    expect((e as TestHeaderError).headerName).toBe('X-Thing');
    expect((e as TestHeaderError).source).toBe('profile');
    expect((e as Error).message).toContain('"X-Thing"');
    expect((e as Error).message).toMatch(reason);
  });

  it.each(['X-Run-Id', 'x-run-id', 'X-SCENARIO-ID', 'x-Result-id'])('refuses reserved key %s from the profile', (key) => {
    const e = thrown(() => buildTestHeaders(RUN, { information: { main_agent_variables: { [key]: 'v' } } }));
    expect(e).toBeInstanceOf(ReservedTestHeaderError);
    expect((e as TestHeaderError).code).toBe('HEADER_RESERVED');
    expect((e as TestHeaderError).headerName).toBe(key);
  });

  it('refuses an X- key that is not a token', () => {
    const e = thrown(() => buildTestHeaders(RUN, { information: { main_agent_variables: { 'X-Has Space': 'v' } } }));
    expect(e).toBeInstanceOf(InvalidTestHeaderNameError);
    expect((e as TestHeaderError).code).toBe('HEADER_NAME_INVALID');
  });

  it('refuses the same X- key twice in different case', () => {
    const e = thrown(() => buildTestHeaders(RUN, { information: { main_agent_variables: { 'X-Tier': 'a', 'x-tier': 'b' } } }));
    expect(e).toBeInstanceOf(DuplicateTestHeaderError);
    expect((e as TestHeaderError).code).toBe('HEADER_DUPLICATE');
  });

  it('turns a throwing getter into a typed error', () => {
    const vars = Object.defineProperty({}, 'X-Boom', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    expect(thrown(() => buildTestHeaders(RUN, { information: { main_agent_variables: vars } }))).toBeInstanceOf(
      InvalidTestProfileError,
    );
  });
});

describe('buildTestHeaders: extra headers', () => {
  it('accepts an object, [name, value] pairs and "Name: value" strings, in order after the profile', () => {
    const p = { information: { main_agent_variables: { 'X-P': 'p' } } };
    expect(buildTestHeaders(RUN, p, { 'X-Extra': 'v', 'P-Asserted-Identity': '<sip:1@example.com>' }).headers.slice(3)).toEqual([
      { name: 'X-P', value: 'p', source: 'profile' },
      { name: 'X-Extra', value: 'v', source: 'extra' },
      { name: 'P-Asserted-Identity', value: '<sip:1@example.com>', source: 'extra' },
    ]);
    expect(buildTestHeaders(RUN, null, [['X-A', 1], 'X-B:  two words', 'Subject:x', ['X-C', true]]).headers.slice(3)).toEqual([
      { name: 'X-A', value: '1', source: 'extra' },
      { name: 'X-B', value: 'two words', source: 'extra' },
      { name: 'Subject', value: 'x', source: 'extra' },
      { name: 'X-C', value: 'true', source: 'extra' },
    ]);
  });

  it('parses "Name: value" lines like curl -H: first colon splits, spaces around it dropped', () => {
    expect(parseTestHeaderLine('X-A: b: c')).toEqual(['X-A', 'b: c']);
    expect(parseTestHeaderLine('X-A :\tv')).toEqual(['X-A', 'v']);
    expect(parseTestHeaderLine('X-Empty:')).toEqual(['X-Empty', '']);
    expect(thrown(() => parseTestHeaderLine('X-No-Colon'))).toBeInstanceOf(TestHeaderSyntaxError);
    expect(thrown(() => buildTestHeaders(RUN, null, [':value']))).toBeInstanceOf(InvalidTestHeaderNameError);
  });

  it.each([
    [['X-A'], TestHeaderSyntaxError],
    [[['X-A', 'b', 'c']], TestHeaderSyntaxError],
    [[42], TestHeaderSyntaxError],
    ['X-A: b', InvalidTestProfileError],
    [[[1, 'v']], InvalidTestHeaderNameError],
  ])('refuses malformed extra headers %#', (extra, cls) => {
    expect(thrown(() => buildTestHeaders(RUN, null, extra as never))).toBeInstanceOf(cls);
  });

  it.each(['X-Run-Id', 'x-RUN-id', 'X-Scenario-Id', 'X-RESULT-ID'])('refuses reserved %s as an extra header', (name) => {
    expect(thrown(() => buildTestHeaders(RUN, null, { [name]: 'v' }))).toBeInstanceOf(ReservedTestHeaderError);
    expect(thrown(() => buildTestHeaders(RUN, null, [`${name}: v`]))).toBeInstanceOf(ReservedTestHeaderError);
  });

  it.each([
    'Via', 'via', 'From', 'To', 'Call-ID', 'call-id', 'CSeq', 'Contact', 'Max-Forwards', 'Content-Type',
    'Content-Length', 'Content-Disposition', 'content-encoding', 'Content-Language', 'Content-Anything',
    'Authorization', 'Proxy-Authorization', 'WWW-Authenticate', 'Proxy-Authenticate', 'Route', 'Record-Route',
    'Expires', 'Allow', 'Supported', 'Require', 'Proxy-Require', 'User-Agent', 'Session-Expires', 'RAck',
    'i', 'm', 'e', 'l', 'c', 'f', 's', 'k', 't', 'v', 'o', 'u', 'r', 'b', 'x', 'a', 'j', 'd', 'y', 'n', 'V', 'L',
  ])('refuses standard header %s', (name) => {
    const e = thrown(() => buildTestHeaders(RUN, null, { [name]: 'v' }));
    expect(e).toBeInstanceOf(StandardHeaderNotAllowedError);
    expect((e as TestHeaderError).code).toBe('HEADER_STANDARD_NOT_ALLOWED');
    expect((e as TestHeaderError).source).toBe('extra');
  });

  it.each(['Subject', 'P-Asserted-Identity', 'Diversion', 'Identity', 'User-to-User', 'Priority', 'Referred-By'])(
    'allows non-stack header %s',
    (name) => {
      expect(buildTestHeaders(RUN, null, { [name]: 'v' }).headers[3]).toEqual({ name, value: 'v', source: 'extra' });
    },
  );

  it('refuses an extra header duplicating a profile header in another case', () => {
    const e = thrown(() =>
      buildTestHeaders(RUN, { information: { main_agent_variables: { 'X-Tier': 'a' } } }, { 'X-TIER': 'b' }),
    );
    expect(e).toBeInstanceOf(DuplicateTestHeaderError);
    expect((e as Error).message).toContain('profile');
    expect(thrown(() => buildTestHeaders(RUN, null, ['X-A: 1', 'x-a: 2']))).toBeInstanceOf(DuplicateTestHeaderError);
  });
});

describe('validation of names and values', () => {
  it.each([
    'X-Has Space', 'X-Colon:', 'X-Ünïcode', 'X-Paren(', 'X-Quote"', 'X-Slash/', 'X-At@', '', 'X-Tab\t', 'X-Brace{', 'X-Semi;',
  ])('refuses non-token name %j', (name) => {
    expect(thrown(() => buildTestHeaders(RUN, null, [[name, 'v']]))).toBeInstanceOf(InvalidTestHeaderNameError);
  });

  it("accepts every RFC 3261 token character in a name", () => {
    const name = "X-Az09-.!%*_+`'~";
    expect(buildTestHeaders(RUN, null, [[name, 'v']]).headers[3].name).toBe(name);
  });

  it.each([
    ['CR', 'a\rb'], ['LF', 'a\nb'], ['CRLF', 'ok\r\nVia: SIP/2.0/UDP evil'], ['NUL', 'a\0b'], ['trailing LF', 'abc\n'],
  ])('refuses %s in a value with HeaderInjectionError', (_l, value) => {
    const e = thrown(() => buildTestHeaders(RUN, null, { 'X-A': value }));
    expect(e).toBeInstanceOf(HeaderInjectionError);
    expect((e as SipprobeError).code).toBe('HEADER_INJECTION');
    expect(e).toBeInstanceOf(TestHeaderError);
    expect(e).toBeInstanceOf(SipprobeError);
  });

  it('refuses CR/LF in a name with HeaderInjectionError and escapes it in the message', () => {
    const e = thrown(() => buildTestHeaders(RUN, null, [['X-A\r\nVia', 'v']])) as Error;
    expect(e).toBeInstanceOf(HeaderInjectionError);
    expect(e.message).not.toMatch(/[\r\n]/);
    expect(e.message).toContain('\\r\\n');
  });

  it.each([
    ['BEL', '\u0007'], ['ESC', '\u001b'], ['VT', '\u000b'], ['FF', '\u000c'], ['DEL', '\u007f'], ['C1 NEL', '\u0085'],
    ['LINE SEPARATOR', '\u2028'], ['PARAGRAPH SEPARATOR', '\u2029'],
  ])('refuses control character %s', (_l, ch) => {
    const e = thrown(() => buildTestHeaders(RUN, null, { 'X-A': `a${ch}b` }));
    expect(e).toBeInstanceOf(InvalidTestHeaderValueError);
    expect((e as Error).message).toMatch(/control character U\+/);
  });

  it('accepts HTAB, non-ASCII UTF-8, emoji and an empty value', () => {
    const r = buildTestHeaders(RUN, null, { 'X-Tab': 'a\tb', 'X-Utf8': 'Zoë — 東京', 'X-Emoji': '📞', 'X-Empty': '' });
    expect(r.headers.slice(3).map((h) => h.value)).toEqual(['a\tb', 'Zoë — 東京', '📞', '']);
  });

  it.each([['lone high', 'a\ud800b'], ['lone low', '\udc00'], ['high at end', 'abc\ud83d'], ['reversed pair', '\ude00\ud83d']])(
    'refuses a value with a %s surrogate (not valid UTF-8)',
    (_l, value) => {
      const e = thrown(() => buildTestHeaders(RUN, null, { 'X-A': value }));
      expect(e).toBeInstanceOf(InvalidTestHeaderValueError);
      expect((e as Error).message).toMatch(/UTF-8/);
    },
  );

  it('limits "Name: value" to 1024 UTF-8 bytes exactly', () => {
    const name = 'X-Long'; // "X-Long: " = 8 bytes
    expect(buildTestHeaders(RUN, null, { [name]: 'a'.repeat(1016) }).headers[3].value).toHaveLength(1016);
    expect(thrown(() => buildTestHeaders(RUN, null, { [name]: 'a'.repeat(1017) }))).toBeInstanceOf(TestHeaderTooLongError);
    // 'é' is 2 bytes: 508 of them = 1016 bytes fits, 509 do not, although far under 1024 code units.
    expect(buildTestHeaders(RUN, null, { [name]: 'é'.repeat(508) }).headers).toHaveLength(4);
    const e = thrown(() => buildTestHeaders(RUN, null, { [name]: 'é'.repeat(509) }));
    expect(e).toBeInstanceOf(TestHeaderTooLongError);
    expect((e as SipprobeError).code).toBe('HEADER_TOO_LONG');
    expect((e as Error).message).toContain('1026 bytes');
  });

  it('never echoes a value in an error message', () => {
    const secret = 'sk_live_DO_NOT_LOG_4242';
    const cases: Array<() => unknown> = [
      () => buildTestHeaders(RUN, null, { 'X-A': `${secret}\r\n` }),
      () => buildTestHeaders(RUN, null, { 'X-A': `${secret}\u0007` }),
      () => buildTestHeaders(RUN, null, { 'X-A': `${secret}\ud800` }),
      () => buildTestHeaders(RUN, null, { 'X-A': secret.repeat(100) }),
      () => buildTestHeaders(RUN, null, { Via: secret }),
      () => buildTestHeaders(RUN, null, { 'X-Run-Id': secret }),
      () => buildTestHeaders({ runId: `${secret}\n` }),
    ];
    for (const c of cases) {
      const e = thrown(c) as Error;
      expect(e).toBeInstanceOf(TestHeaderError);
      expect(e.message).not.toContain(secret);
      expect(JSON.stringify(e)).not.toContain(secret);
    }
  });
});

describe('warnings', () => {
  it('warns (does not fail) when X- headers exceed 1024 bytes in total, counting the id headers', () => {
    const small = buildTestHeaders(RUN, null, { 'X-A': 'a'.repeat(900) });
    expect(small.warnings).toEqual([]);
    const idBytes = 'X-Run-Id: run-1'.length + 'X-Scenario-Id: sc-2'.length + 'X-Result-Id: res-3'.length;
    expect(small.xHeaderBytes).toBe(idBytes + 5 + 900);
    const big = buildTestHeaders(RUN, null, { 'X-A': 'a'.repeat(900), 'X-B': 'b'.repeat(200), Subject: 'c'.repeat(900) });
    expect(big.headers).toHaveLength(6);
    expect(big.xHeaderBytes).toBe(idBytes + 5 + 900 + 5 + 200); // Subject is not an X- header
    expect(big.warnings.map((w) => w.code)).toEqual(['X_HEADERS_OVER_TWILIO_LIMIT']);
    expect(big.warnings[0].message).toContain(String(big.xHeaderBytes));
  });

  it('warns about X-Twilio* names, any case', () => {
    const r = buildTestHeaders(RUN, null, { 'X-Twilio-CallSid': 'a', 'x-twiliox': 'b', 'X-Twil': 'c' });
    expect(r.warnings.filter((w) => w.code === 'TWILIO_RESERVED_HEADER').map((w) => w.headerName)).toEqual([
      'X-Twilio-CallSid',
      'x-twiliox',
    ]);
    expect(r.headers).toHaveLength(6);
  });

  it('warns about leading/trailing whitespace, keeping the value as given', () => {
    const r = buildTestHeaders(RUN, null, { 'X-A': ' padded\t' });
    expect(r.headers[3].value).toBe(' padded\t');
    expect(r.warnings.map((w) => [w.code, w.headerName])).toEqual([['VALUE_EDGE_WHITESPACE', 'X-A']]);
  });
});

describe('formatTestHeaderLines', () => {
  it('renders CRLF-terminated lines', () => {
    const r = buildTestHeaders(RUN, null, { 'X-A': 'b' });
    expect(formatTestHeaderLines(r.headers)).toBe('X-Run-Id: run-1\r\nX-Scenario-Id: sc-2\r\nX-Result-Id: res-3\r\nX-A: b\r\n');
    expect(formatTestHeaderLines([])).toBe('');
  });

  it('re-validates hand-built headers', () => {
    expect(thrown(() => formatTestHeaderLines([{ name: 'X-A', value: 'a\r\nVia: x' }]))).toBeInstanceOf(HeaderInjectionError);
    expect(thrown(() => formatTestHeaderLines([{ name: 'X A', value: 'a' }]))).toBeInstanceOf(InvalidTestHeaderNameError);
    expect(thrown(() => formatTestHeaderLines([{ name: 'X-A', value: 3 as never }]))).toBeInstanceOf(InvalidTestHeaderValueError);
  });
});
