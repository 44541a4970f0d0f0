/** TestAgent `srtp` behaviour: checked and defaulted. */
import { resolveTestAgentBehaviour, type TestAgentBehaviour } from '../../../src/agent';

describe('resolveTestAgentBehaviour srtp', () => {
  it('defaults to false and keeps true / require', () => {
    expect(resolveTestAgentBehaviour({}, '/g.wav').srtp).toBe(false);
    expect(resolveTestAgentBehaviour({ srtp: true }, '/g.wav').srtp).toBe(true);
    expect(resolveTestAgentBehaviour({ srtp: 'require' }, '/g.wav').srtp).toBe('require');
  });

  it.each(['yes', 1, 'REQUIRE', null])('refuses srtp %j with TEST_AGENT_OPTIONS', (v) => {
    expect(() => resolveTestAgentBehaviour({ srtp: v } as unknown as TestAgentBehaviour, '/g.wav')).toThrow(expect.objectContaining({ code: 'TEST_AGENT_OPTIONS' }));
  });
});
