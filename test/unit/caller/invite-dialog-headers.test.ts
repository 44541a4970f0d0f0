/** prepareInvite: the test headers go on the INVITE and, as dialogInviteHeaders, on every re-INVITE. */
import { prepareInvite } from '../../../src/caller/invite';

describe('prepareInvite dialogInviteHeaders', () => {
  it('repeats exactly the INVITE’s test headers (ids, profile X- keys, extra headers) as a separate list', () => {
    const p = prepareInvite(
      {},
      {
        target: 'sip:agent@127.0.0.1:5070',
        run: { runId: 'R', scenarioId: 'S', resultId: 'X' },
        profile: { name: 'p', information: { main_agent_variables: { 'X-Plan': 'pro', other: 'no' } } },
        headers: { 'X-Case': 'c1' },
      },
      'v=0\r\n',
    );
    const headers = p.inviteOptions.headers as [string, string][];
    expect(headers.map(([k]) => k)).toEqual(['X-Run-Id', 'X-Scenario-Id', 'X-Result-Id', 'X-Plan', 'X-Case']);
    expect(p.inviteOptions.dialogInviteHeaders).toEqual(headers);
    expect(p.inviteOptions.dialogInviteHeaders).not.toBe(headers);
  });
});
