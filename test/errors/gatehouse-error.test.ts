import assert from 'node:assert/strict';
import { STATUS_CODES } from 'node:http';
import { describe, it } from 'node:test';
import { ERROR_CATALOGUE, RETIRED_CODES, type ErrorCode } from '../../src/errors/catalogue.js';
import { GatehouseError, toGatehouseError } from '../../src/errors/gatehouse-error.js';

const CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

describe('the error catalogue', () => {
  it('is not empty and has the codes the gateway answers with today', () => {
    for (const code of ['invalid_json', 'missing_api_key', 'invalid_api_key', 'model_not_allowed', 'policy_failed', 'upstream_timeout', 'internal_error'] as const) {
      assert.ok(code in ERROR_CATALOGUE, code);
    }
  });

  it('uses snake_case codes', () => {
    for (const code of CODES) assert.match(code, /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/, code);
  });

  it('reuses no retired code', () => {
    for (const code of CODES) assert.ok(!RETIRED_CODES.includes(code), `${code} is retired and must not be reused`);
  });

  it('gives every code a valid HTTP error status (4xx/5xx; 499 for a client that went away)', () => {
    for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
      assert.ok(Number.isInteger(entry.status) && entry.status >= 400 && entry.status <= 599, `${code}: ${entry.status}`);
      assert.ok(entry.status === 499 || STATUS_CODES[entry.status] !== undefined, `${code}: ${entry.status} is not a registered status`);
    }
  });

  it("gives every code a status that fits its fault domain", () => {
    for (const [code, { status, fault }] of Object.entries(ERROR_CATALOGUE)) {
      if (fault === 'caller' || fault === 'policy') assert.ok(status >= 400 && status < 500, `${code}: a ${fault} fault is a 4xx, got ${status}`);
      else if (fault === 'gateway') assert.ok(status >= 500, `${code}: a gateway fault is a 5xx, got ${status}`);
      else assert.ok(status === 429 || status >= 500, `${code}: a provider fault is 429 or 5xx, got ${status}`);
    }
  });

  it('gives every code a message that is a full sentence', () => {
    for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
      assert.match(entry.message, /^[A-Z].*[.]$/s, code);
    }
  });
});

describe('GatehouseError', () => {
  it('takes status, fault and default message from the catalogue, for every code', () => {
    for (const code of CODES) {
      const err = new GatehouseError(code);
      const entry = ERROR_CATALOGUE[code];
      assert.ok(err instanceof Error);
      assert.equal(err.name, 'GatehouseError');
      assert.equal(err.code, code);
      assert.equal(err.status, entry.status);
      assert.equal(err.fault, entry.fault);
      assert.equal(err.message, entry.message);
      assert.equal(err.param, undefined);
      assert.equal(err.retryAfter, undefined);
      assert.equal(err.upstreamStatus, undefined);
      assert.equal(err.cause, undefined);
      assert.equal('cause' in err, false, 'no cause property unless one was given');
    }
  });

  it('keeps a specific message and the options', () => {
    const cause = new Error('ECONNRESET');
    const err = new GatehouseError('upstream_rate_limited', 'OpenAI says slow down.', { retryAfter: 2, upstreamStatus: 429, param: 'model', cause });
    assert.equal(err.message, 'OpenAI says slow down.');
    assert.equal(err.status, 429);
    assert.equal(err.fault, 'provider');
    assert.equal(err.retryAfter, 2);
    assert.equal(err.upstreamStatus, 429);
    assert.equal(err.param, 'model');
    assert.equal(err.cause, cause);
  });

  it('has a stack that points at where it was made', () => {
    const err = new GatehouseError('internal_error');
    assert.match(err.stack ?? '', /gatehouse-error\.test\.ts/);
  });
});

describe('toGatehouseError', () => {
  it('returns a GatehouseError as it is', () => {
    const err = new GatehouseError('model_not_found', 'no such model');
    assert.equal(toGatehouseError(err), err);
  });

  it('wraps any other Error as a 500 internal_error of the gateway, keeping the cause', () => {
    const cause = new TypeError("Cannot read properties of null (reading 'usage')");
    const err = toGatehouseError(cause);
    assert.ok(err instanceof GatehouseError);
    assert.equal(err.code, 'internal_error');
    assert.equal(err.status, 500);
    assert.equal(err.fault, 'gateway');
    assert.equal(err.cause, cause);
  });

  it('never shows the internal message to the caller', () => {
    const err = toGatehouseError(new Error('password=hunter2 at /srv/gatehouse/src/x.ts:12'));
    assert.equal(err.message, ERROR_CATALOGUE.internal_error.message);
    assert.ok(!err.message.includes('hunter2'));
  });

  it('wraps values that are not Errors', () => {
    for (const thrown of ['a string', 42, { weird: true }, null, Symbol('s')]) {
      const err = toGatehouseError(thrown);
      assert.equal(err.code, 'internal_error');
      assert.equal(err.status, 500);
      assert.equal(err.cause, thrown);
    }
    const fromUndefined = toGatehouseError(undefined);
    assert.equal(fromUndefined.code, 'internal_error');
    assert.equal(fromUndefined.cause, undefined);
  });
});
