// Session ids that carry their own state: sealed, tamper-evident, portable between replicas that
// share the secret, expired when idle and refused after DELETE on the replica that saw them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SessionSealer, type SessionState } from '../../src/mcp/sessions.js';

const SECRET = 'a-shared-secret-of-at-least-32-chars!';
const state: SessionState = {
  endpoint: 'tools',
  protocolVersion: '2025-11-25',
  clientCapabilities: { elicitation: { form: {} } },
  clientInfo: { name: 'agent', version: '1' },
  principal: 'key:alice',
  upstreams: { github: { era: 'legacy', protocolVersion: '2025-06-18', resumeId: 'up-123' } },
  createdAt: 1_700_000_000,
};

describe('SessionSealer', () => {
  it('another replica with the same secret opens the session; one with another secret does not', () => {
    const id = new SessionSealer(SECRET).seal(state);
    assert.match(id, /^g1\.[A-Za-z0-9_-]+$/, 'visible ASCII, as Mcp-Session-Id requires');
    assert.deepEqual(new SessionSealer(SECRET).open(id, 60_000), { v: 1, ...state });
    assert.equal(new SessionSealer('another-secret-another-secret-12345').open(id, 60_000), undefined);
    assert.equal(new SessionSealer(undefined).open(id, 60_000), undefined, 'no secret: a random key per process');
  });

  it('the id cannot be altered: any changed character is refused', () => {
    const sealer = new SessionSealer(SECRET);
    const id = sealer.seal(state);
    // Every position, the last one included (its unused bits must not make a second spelling).
    for (let at = 3; at < id.length; at++) {
      const c = id[at] === 'A' ? 'B' : 'A';
      assert.equal(sealer.open(id.slice(0, at) + c + id.slice(at + 1), 60_000), undefined, `changed at ${at}`);
    }
    assert.equal(sealer.open('g1.', 60_000), undefined);
    assert.equal(sealer.open('not-ours', 60_000), undefined);
  });

  it('idle expiry on the replica that served it, and DELETE', () => {
    const sealer = new SessionSealer(SECRET);
    const id = sealer.seal(state);
    const t0 = Date.now();
    assert.ok(sealer.open(id, 1000, t0 + 900));
    assert.ok(sealer.open(id, 1000, t0 + 1800), 'each use restarts the idle clock');
    assert.equal(sealer.open(id, 1000, t0 + 3000), undefined, 'idle too long');
    assert.equal(sealer.open(id, 1000, t0 + 3001), undefined, 'and stays expired');
    const other = sealer.seal(state);
    sealer.end(other);
    assert.equal(sealer.open(other, 60_000), undefined, 'ended by DELETE');
  });

  it('sweep expires what was not used and reports it', () => {
    const sealer = new SessionSealer(SECRET);
    const id = sealer.seal(state);
    const expired = sealer.sweep(1000, Date.now() + 5000);
    assert.equal(expired.length, 1);
    assert.equal(sealer.open(id, 60_000), undefined);
  });
});
