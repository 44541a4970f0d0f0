import { formatNameAddr, formatSipUri, parseContact, parseNameAddr, parseUri, parseVia, SipParseError, uriEquals, type SipUri, type TelUri } from '../../../src/sip';

describe('parseUri', () => {
  it('parses every part of a SIP URI and unescapes', () => {
    const u = parseUri('sips:al%20ice:se%3Acret@Example.COM:5061;transport=tcp;lr;maddr=239.255.255.1?subject=hi%20there&priority=urgent') as SipUri;
    expect(u).toMatchObject({ scheme: 'sips', user: 'al ice', password: 'se:cret', host: 'Example.COM', port: 5061 });
    expect([...u.params]).toEqual([['transport', 'tcp'], ['lr', null], ['maddr', '239.255.255.1']]);
    expect([...u.headers]).toEqual([['subject', 'hi there'], ['priority', 'urgent']]);
  });

  it('handles IPv4, IPv6 references and hostnames', () => {
    expect(parseUri('sip:[2001:db8::10]:5070')).toMatchObject({ host: '[2001:db8::10]', port: 5070 });
    expect(parseUri('sip:[::ffff:192.0.2.1]')).toMatchObject({ host: '[::ffff:192.0.2.1]' });
    expect(parseUri('sip:u@192.0.2.1')).toMatchObject({ host: '192.0.2.1', user: 'u' });
    expect(parseUri('sip:host-a.example.com.')).toMatchObject({ host: 'host-a.example.com.' });
    for (const bad of ['sip:2001:db8::10', 'sip:[2001:db8::10', 'sip:-host.example.com', 'sip:host..com', 'sip:[::1]x', 'sip:h:99999', 'sip:h:', 'sip:', 'sip:@h', 'sip:u@h;=x', 'sip:u@h?', 'sip:a%zzb@h', 'sip:a b@h', 'sip:[1:2:3:4:5:6:7:8:9]', 'sip:[12345::1]', 'nocolon']) {
      expect(() => parseUri(bad)).toThrow(SipParseError);
    }
  });

  it('parses tel and keeps other schemes opaque', () => {
    const t = parseUri('tel:+1-201-555-0123;ext=1234') as TelUri;
    expect(t).toMatchObject({ scheme: 'tel', number: '+1-201-555-0123' });
    expect(t.params.get('ext')).toBe('1234');
    expect(parseUri('urn:service:sos')).toMatchObject({ scheme: 'urn', opaque: 'service:sos' });
  });

  it('compares per RFC 3261 §19.1.4', () => {
    // the RFC's equal pairs
    expect(uriEquals('sip:%61lice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp')).toBe(true);
    expect(uriEquals('sip:carol@chicago.com', 'sip:carol@chicago.com;newparam=5')).toBe(true);
    expect(uriEquals('sip:carol@chicago.com;security=on', 'sip:carol@chicago.com;newparam=5')).toBe(true);
    expect(uriEquals('sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com', 'sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com')).toBe(true);
    expect(uriEquals('sip:alice@atlanta.com?subject=project%20x&priority=urgent', 'sip:alice@atlanta.com?priority=urgent&subject=project%20x')).toBe(true);
    // the RFC's unequal pairs
    expect(uriEquals('SIP:ALICE@AtLanTa.CoM;Transport=udp', 'sip:alice@AtLanTa.CoM;Transport=UDP')).toBe(false);
    expect(uriEquals('sip:bob@biloxi.com', 'sip:bob@biloxi.com:5060')).toBe(false);
    expect(uriEquals('sip:bob@biloxi.com', 'sip:bob@biloxi.com;transport=udp')).toBe(false);
    expect(uriEquals('sip:carol@chicago.com', 'sip:carol@chicago.com?Subject=next%20meeting')).toBe(false);
    expect(uriEquals('sip:bob@phone21.boxesbybob.com', 'sip:bob@192.0.2.4')).toBe(false);
    expect(uriEquals('sip:carol@chicago.com;security=on', 'sip:carol@chicago.com;security=off')).toBe(false);
    expect(uriEquals('sip:a@h', 'sips:a@h')).toBe(false);
  });

  it('formats URIs with escaping that parses back to the same parts', () => {
    const text = formatSipUri({ user: 'a b@c', password: 'p:w', host: 'example.com', port: 5060, params: [['transport', 'tcp'], ['lr', null]], headers: [['subject', 'x&y']] });
    const u = parseUri(text) as SipUri;
    expect(u).toMatchObject({ user: 'a b@c', password: 'p:w', host: 'example.com', port: 5060 });
    expect(u.headers.get('subject')).toBe('x&y');
    expect(() => formatSipUri({ host: 'bad host' })).toThrow(SipParseError);
  });
});

describe('name-addr, contact, via', () => {
  it('parses quoted and token display names and addr-spec', () => {
    expect(parseNameAddr('"A \\"q\\" B" <sip:a@b>;tag=1')).toMatchObject({ displayName: 'A "q" B', uri: 'sip:a@b', tag: '1' });
    expect(parseNameAddr('Bob  Smith <sip:b@c;lr>;x=y')).toMatchObject({ displayName: 'Bob  Smith', uri: 'sip:b@c;lr' });
    const a = parseNameAddr('sip:a@b;tag=9;foo');
    expect(a).toMatchObject({ uri: 'sip:a@b', tag: '9' });
    expect(a.displayName).toBeUndefined();
    expect(a.params.get('foo')).toBeNull();
    for (const bad of ['"unterminated <sip:a@b>', 'Bell, Alex <sip:a@b>', '< sip:a@b >', 'sip:a@b?x=y', '<sip:a@b', '', '<>']) {
      expect(() => parseNameAddr(bad)).toThrow(SipParseError);
    }
  });

  it('parses Contact star, expires and q', () => {
    expect(parseContact('*')).toMatchObject({ star: true });
    expect(parseContact('<sip:a@b>;expires=3600;q=0.7')).toMatchObject({ star: false, expires: 3600, q: 0.7 });
    expect(parseContact('<sip:a@b>;q=2').q).toBeUndefined();
  });

  it('parses Via with LWS, IPv6 and rport', () => {
    expect(parseVia('SIP / 2.0 / UDP [2001:db8::9:1]:6050 ; branch = z9hG4bKx ; received=[2001:db8::9:255];rport')).toMatchObject({
      protocol: 'SIP/2.0',
      transport: 'UDP',
      host: '[2001:db8::9:1]',
      port: 6050,
      branch: 'z9hG4bKx',
      received: '[2001:db8::9:255]',
      rport: true,
    });
    for (const bad of ['SIP/2.0/UDP', 'SIP/2.0 UDP h', 'SIP/2.0/UDP h;;', 'SIP/2.0/UDP h;branch', 'SIP/2.0/UDP h;rport=x', 'SIP/2.0/UDP h:70000']) {
      expect(() => parseVia(bad)).toThrow(SipParseError);
    }
  });

  it('formats name-addr without allowing injection', () => {
    expect(formatNameAddr({ displayName: 'Eve "x"\r\nVia: evil', uri: 'sip:e@h', params: [['tag', 'abc']] })).toBe('"Eve \\"x\\"Via: evil" <sip:e@h>;tag=abc');
    expect(() => formatNameAddr({ uri: 'sip:e@h>\r\nX: y' })).toThrow(SipParseError);
  });
});
