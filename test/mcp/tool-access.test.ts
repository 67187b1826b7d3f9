// Tool rules compiled from an endpoint's config: who sees a tool, argument constraints, audit and
// approval — and the identity's own MCP grants.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ToolAccess } from '../../src/mcp/tool-access.js';
import { mcpEndpointSchema } from '../../src/mcp/config.js';
import { ANONYMOUS, type Identity } from '../../src/pipeline/identity.js';
import { z } from 'zod';

const endpoint = (tools: unknown, extra: object = {}) => mcpEndpointSchema(z.object({}).optional()).parse({ servers: ['s'], tools, ...extra });
const who = (over: Partial<Identity>): Identity => ({ ...ANONYMOUS, id: 'key:x', kind: 'consumer', name: 'x', method: 'api-key', rule: 'x', ...over });

describe('ToolAccess', () => {
  it('allow lists: every list given must match; the first matching rule applies; defaultToolAccess for the rest', () => {
    const access = new ToolAccess(
      endpoint({
        'db__drop': { allow: { teams: ['dba'], kinds: ['service'] } },
        'db__*': { allow: { teams: ['dba', 'dev'] } },
        'mail__send': { allow: { consumers: ['ops-bot'] } },
      }, { defaultToolAccess: 'deny' }),
    );
    const dev = who({ team: 'dev' });
    const dbaService = who({ team: 'dba', kind: 'service' });
    assert.equal(access.refusal(dev, 's', 'db__query'), undefined);
    assert.match(access.refusal(dev, 's', 'db__drop')!, /not allowed/);
    assert.match(access.refusal(who({ team: 'dba' }), 's', 'db__drop')!, /kind consumer/);
    assert.equal(access.refusal(dbaService, 's', 'db__drop'), undefined);
    assert.equal(access.refusal(who({ name: 'ops-bot' }), 's', 'mail__send'), undefined);
    assert.match(access.refusal(dev, 's', 'mail__send')!, /"x" is not allowed/);
    assert.match(access.refusal(dev, 's', 'weather__get')!, /defaultToolAccess: deny/);
  });

  it("the identity's MCP grants (one glob list per level) must all match", () => {
    const access = new ToolAccess(endpoint({}));
    const granted = who({ access: { mcpServers: [['github', 'tickets']], mcpTools: [['tickets__*'], ['*__read_*', 'tickets__close']] } });
    assert.equal(access.refusal(granted, 'tickets', 'tickets__close'), undefined);
    assert.match(access.refusal(granted, 'github', 'github__read_file')!, /no grant for tool/);
    assert.match(access.refusal(granted, 'slack', 'tickets__close')!, /no grant for MCP server slack/);
  });

  it('argument constraints name the argument, never echo its value', () => {
    const access = new ToolAccess(
      endpoint({
        t: {
          arguments: {
            id: { pattern: '^T-[0-9]{1,4}$', required: true },
            mode: { enum: ['fast', 'safe'] },
            n: { minimum: 1, maximum: 10 },
            tags: { maxLength: 2 },
            note: { maxLength: 5 },
          },
        },
      }),
    );
    assert.equal(access.argumentProblem('t', { id: 'T-12', mode: 'safe', n: 3, tags: ['a'], note: 'ok' }), undefined);
    assert.match(access.argumentProblem('t', {})!, /"id" is required/);
    assert.match(access.argumentProblem('t', { id: 'T-12; rm -rf /' })!, /"id" does not match/);
    assert.match(access.argumentProblem('t', { id: 42 })!, /"id" must be a string/);
    assert.match(access.argumentProblem('t', { id: 'T-1', mode: 'yolo' })!, /"mode" must be one of/);
    assert.match(access.argumentProblem('t', { id: 'T-1', n: 11 })!, /"n" is above 10/);
    assert.match(access.argumentProblem('t', { id: 'T-1', n: '3' })!, /"n" must be a number/);
    assert.match(access.argumentProblem('t', { id: 'T-1', tags: [1, 2, 3] })!, /"tags" has more than 2 items/);
    assert.match(access.argumentProblem('t', { id: 'T-1', note: 'too long' })!, /"note" is longer than 5/);
    assert.ok(!access.argumentProblem('t', { id: 'T-1; secret' })!.includes('secret'));
  });

  it('a catastrophic pattern is refused when the configuration loads', () => {
    assert.throws(() => endpoint({ t: { arguments: { x: { pattern: '(a+)+$' } } } }), /pattern refused/);
  });

  it('audit and approval per tool', () => {
    const access = new ToolAccess(endpoint({ 'mail__*': { audit: 'enhanced', approval: 'required' } }));
    assert.equal(access.audit('mail__send'), 'enhanced');
    assert.equal(access.needsApproval('mail__send'), true);
    assert.equal(access.audit('other'), 'standard');
    assert.equal(access.needsApproval('other'), false);
  });
});
