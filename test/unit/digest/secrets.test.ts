import { inspect } from 'node:util';
import { DigestAuthFailedError, DigestClient, DigestServer } from '../../../src/digest';

const CLIENT_PASSWORD = 'Wr0ng-Pässw0rd-c1ient';
const SERVER_PASSWORD = 'S3rver-Side-Pässw0rd';
const SECRET = Buffer.alloc(32, 0xab);
const REQ = { method: 'INVITE', uri: 'sip:agent@127.0.0.1:5080' };

/** Every rendering a secret could leak through. */
function renderings(x: unknown): string[] {
  const out = [
    inspect(x),
    inspect(x, { showHidden: true, depth: Infinity, getters: true }),
    inspect(x, { showHidden: true, depth: Infinity, customInspect: false }),
    JSON.stringify(x) ?? '',
    String(x),
  ];
  if (x instanceof Error) out.push(x.message, x.stack ?? '', JSON.stringify({ ...x }), inspect(Object.getOwnPropertyDescriptors(x), { depth: Infinity }));
  return out;
}

function expectNoSecrets(x: unknown): void {
  for (const text of renderings(x)) {
    for (const secret of [CLIENT_PASSWORD, SERVER_PASSWORD, SECRET.toString('hex'), SECRET.toString('base64'), 'abababab']) {
      expect(text).not.toContain(secret);
    }
  }
}

describe('secrets never leak', () => {
  it('through a failing authentication: client, server, headers, results, errors, console', () => {
    const logged: string[] = [];
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
      jest.spyOn(console, m).mockImplementation((...a: unknown[]) => void logged.push(a.map(String).join(' '))),
    );
    const writeSpy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => (logged.push(String(chunk)), true));
    try {
      const server = new DigestServer({ realm: 'agent.test', users: { alice: SERVER_PASSWORD }, algorithms: ['SHA-256', 'MD5'], secret: SECRET });
      const client = new DigestClient({ username: 'alice', password: CLIENT_PASSWORD });
      const challenge = server.challenge();
      const headers = client.respond({ www: challenge.values }, REQ);
      const result = server.verify(headers[0].value, REQ);
      expect(result).toMatchObject({ ok: false, reason: 'wrong-credentials' });

      let error: unknown;
      try {
        client.respond({ www: server.challenge().values }, { ...REQ, authorization: headers.map((h) => h.value) });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DigestAuthFailedError);

      for (const x of [client, server, challenge, headers, result, error, Object.entries(client), Object.keys(server)]) expectNoSecrets(x);
      expect(Object.keys(client)).not.toContain('password');
      expect(JSON.parse(JSON.stringify(client))).toEqual({ username: 'alice', realms: ['agent.test'] });
      expect(inspect(client)).toContain('alice');
      expect(logged.join('\n')).not.toContain(CLIENT_PASSWORD);
      expect(logged.join('\n')).not.toContain(SERVER_PASSWORD);
    } finally {
      spies.forEach((s) => s.mockRestore());
      writeSpy.mockRestore();
    }
  });

  it('not even in an error thrown while the client holds the password (bad input)', () => {
    const client = new DigestClient({ username: 'alice', password: CLIENT_PASSWORD });
    let error: unknown;
    try {
      client.respond({ www: 'Digest realm="r", nonce="n"' }, { method: 'INVITE', uri: `sip:${CLIENT_PASSWORD}\r\n` });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'DIGEST_INVALID_INPUT', field: 'uri' });
    expectNoSecrets(error);
  });
});
