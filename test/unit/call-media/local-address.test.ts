/** Wildcard detection, the routed local address, its per-destination memory, and what may be advertised. */
import * as dgram from 'node:dgram';
import fc from 'fast-check';
import { isWildcardAddress, LocalAddressBook, localAddressToward, normalizeAdvertisedAddress } from '../../../src/call-media/local-address';

function ipv6Loopback(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp6');
    s.once('error', () => resolve(false));
    s.bind(0, '::1', () => s.close(() => resolve(true)));
  });
}

describe('isWildcardAddress', () => {
  test.each(['0.0.0.0', '::', '0:0:0:0:0:0:0:0', '::0', '0::'])('%s is a wildcard', (a) => expect(isWildcardAddress(a)).toBe(true));
  test.each(['127.0.0.1', '::1', '10.0.0.0', '0.0.0.1', 'localhost', '', '00.0.0.0'])('%j is not', (a) => expect(isWildcardAddress(a)).toBe(false));
});

describe('localAddressToward', () => {
  test('loopback is reached from loopback', async () => {
    expect(await localAddressToward('127.0.0.1')).toBe('127.0.0.1');
  });

  test('IPv6 loopback from ::1 (where the host has IPv6)', async () => {
    if (!(await ipv6Loopback())) return;
    expect(await localAddressToward('::1')).toBe('::1');
  });

  test.each(['localhost', 'agent.example.com', '', '127.0.0.1:5060', '[::1]'])('%j is not an IP literal: null, no lookup', async (remote) => {
    expect(await localAddressToward(remote)).toBeNull();
  });
});

describe('LocalAddressBook', () => {
  test('probes once per destination (concurrent asks share the probe), then answers synchronously', async () => {
    const asked: string[] = [];
    const book = new LocalAddressBook({
      probe: async (r) => {
        asked.push(r);
        return r === '203.0.113.9' ? null : `local-for-${r}`;
      },
    });
    expect(book.get('198.51.100.1')).toBeUndefined();
    const [a, b] = await Promise.all([book.lookup('198.51.100.1'), book.lookup('198.51.100.1')]);
    expect(a).toBe('local-for-198.51.100.1');
    expect(b).toBe(a);
    expect(await book.lookup('198.51.100.1')).toBe(a);
    expect(asked).toEqual(['198.51.100.1']);
    expect(book.get('198.51.100.1')).toBe(a);
    expect(book.latest).toBe(a);
    // failures are not remembered: asked again next time
    expect(await book.lookup('203.0.113.9')).toBeNull();
    expect(await book.lookup('203.0.113.9')).toBeNull();
    expect(asked.filter((r) => r === '203.0.113.9')).toHaveLength(2);
    expect(book.latest).toBe(a);
  });

  test('a probe that throws counts as no route', async () => {
    const book = new LocalAddressBook({ probe: () => Promise.reject(new Error('boom')) });
    expect(await book.lookup('198.51.100.2')).toBeNull();
    expect(book.size).toBe(0);
  });

  test('bounded: the oldest destination is forgotten first', async () => {
    const book = new LocalAddressBook({ max: 2, probe: async (r) => `l-${r}` });
    await book.lookup('a');
    await book.lookup('b');
    await book.lookup('c');
    expect(book.size).toBe(2);
    expect(book.get('a')).toBeUndefined();
    expect(book.get('c')).toBe('l-c');
  });

  test('with the real probe: 127.0.0.1 → 127.0.0.1', async () => {
    const book = new LocalAddressBook();
    expect(await book.lookup('127.0.0.1')).toBe('127.0.0.1');
    expect(book.get('127.0.0.1')).toBe('127.0.0.1');
  });
});

describe('normalizeAdvertisedAddress', () => {
  test.each([
    ['203.0.113.7', '203.0.113.7'],
    ['2001:db8::1', '2001:db8::1'],
    ['[2001:db8::1]', '2001:db8::1'],
    ['sip.example.com', 'sip.example.com'],
    ['localhost', 'localhost'],
    ['a-b.c1.example', 'a-b.c1.example'],
  ])('%j is advertisable as %j', (input, out) => expect(normalizeAdvertisedAddress(input)).toBe(out));

  test.each([
    '',
    ' ',
    '1.2.3.4 ',
    'host\r\nVia: evil',
    'host\nX: y',
    'a b',
    'host;lr',
    'user@host',
    'host:5060',
    '1.2.3.4:5060',
    '[1.2.3.4]',
    '0.0.0.0',
    '::',
    '[::]',
    'fe80::1%eth0',
    '-bad.example',
    'bad-.example',
    'a..b',
    '.example',
    'example.',
    '999.1.1.1',
    '1.2.3',
    'h\u00e9llo.example',
    'x'.repeat(254),
    `${'a'.repeat(64)}.example`,
  ])('%j is refused', (input) => expect(normalizeAdvertisedAddress(input)).toBeNull());

  test.each([undefined, null, 42, {}, ['1.2.3.4']])('%p (not a string) is refused', (v) => expect(normalizeAdvertisedAddress(v)).toBeNull());

  test('property: anything accepted is an IP literal or dot-separated letters/digits/hyphens only', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        const out = normalizeAdvertisedAddress(s);
        if (out !== null) expect(out).toMatch(/^(?:[0-9A-Fa-f:.]+|[A-Za-z0-9.-]+)$/);
      }),
      { numRuns: 300 },
    );
  });
});
