/**
 * The one error catalogue. Every error Gatehouse answers with has an entry here: a stable code,
 * the HTTP status, the fault domain and a default message. docs/errors.md lists the same table;
 * test/errors/catalogue.test.ts keeps the two in step. A retired code is never reused: move it to
 * RETIRED_CODES instead of deleting it.
 */
export type FaultDomain = 'caller' | 'policy' | 'provider' | 'gateway';

export interface CatalogueEntry {
  readonly status: number;
  readonly fault: FaultDomain;
  readonly message: string;
}

export const ERROR_CATALOGUE = {
  invalid_json: { status: 400, fault: 'caller', message: 'The request body is not valid JSON.' },
  invalid_request: { status: 400, fault: 'caller', message: 'The request body does not match the expected schema.' },
  unsupported_feature: {
    status: 400,
    fault: 'caller',
    message: 'The request uses a feature that cannot be translated for the provider serving this model.',
  },
  body_too_large: { status: 413, fault: 'caller', message: 'The request body exceeds the configured size limit.' },
  request_timeout: { status: 408, fault: 'caller', message: 'The request was not received in time.' },
  headers_too_large: { status: 431, fault: 'caller', message: 'The request headers are too large.' },
  malformed_request: { status: 400, fault: 'caller', message: 'The request is not valid HTTP.' },
  client_closed_request: { status: 499, fault: 'caller', message: 'The client closed the connection before the response was complete.' },
  route_not_found: { status: 404, fault: 'caller', message: 'No route matches this method and path.' },
  method_not_allowed: { status: 405, fault: 'caller', message: 'This method is not allowed on this path.' },
  missing_api_key: { status: 401, fault: 'caller', message: 'No API key was sent. Send it as "Authorization: Bearer <key>".' },
  invalid_api_key: { status: 401, fault: 'caller', message: 'The API key is not valid.' },
  api_key_expired: { status: 401, fault: 'caller', message: 'The API key has expired.' },
  api_key_revoked: { status: 401, fault: 'caller', message: 'The API key has been revoked.' },
  invalid_token: { status: 401, fault: 'caller', message: 'The bearer token is not valid: unknown issuer, bad signature, wrong audience or not yet valid.' },
  token_expired: { status: 401, fault: 'caller', message: 'The bearer token has expired.' },
  invalid_client_certificate: { status: 401, fault: 'caller', message: 'The client certificate was not issued by a trusted authority, or maps to no identity.' },
  admin_auth_required: { status: 401, fault: 'caller', message: 'The admin API needs the admin token: "Authorization: Bearer <token>".' },
  resource_not_found: { status: 404, fault: 'caller', message: 'No such resource.' },
  already_exists: { status: 409, fault: 'caller', message: 'A resource with this name or id already exists.' },
  model_not_found: { status: 404, fault: 'caller', message: 'The requested model is not configured on this gateway.' },
  model_not_allowed: { status: 403, fault: 'policy', message: 'This caller may not use the requested model.' },
  sensitive_data_blocked: { status: 400, fault: 'policy', message: 'The request contains sensitive data that policy does not allow to reach the model.' },
  content_blocked: { status: 400, fault: 'policy', message: "The request matches a content rule of this route." },
  prompt_injection_detected: { status: 400, fault: 'policy', message: 'The request looks like a prompt injection, which policy blocks.' },
  tool_not_allowed: { status: 403, fault: 'policy', message: 'This caller may not use this MCP tool.' },
  tool_arguments_rejected: { status: 400, fault: 'policy', message: "The tool call's arguments break a constraint of the endpoint's tool policy." },
  tool_quarantined: { status: 403, fault: 'policy', message: "The tool's definition changed (or is new, or looks like an injection) and waits for approval: gatehouse mcp approve-tool." },
  mcp_session_not_found: { status: 404, fault: 'caller', message: 'The MCP session does not exist, has expired or was ended; initialize a new one.' },
  mcp_protocol_error: { status: 400, fault: 'caller', message: 'The message breaks the MCP protocol (headers, body or version).' },
  forbidden_origin: { status: 403, fault: 'caller', message: 'The request comes from an Origin or Host this endpoint does not accept (DNS-rebinding protection).' },
  approval_required: { status: 403, fault: 'policy', message: 'This action needs human approval, and no approval workflow is configured for it.' },
  policy_failed: { status: 503, fault: 'gateway', message: 'A policy that fails closed could not reach a decision.' },
  store_unavailable: { status: 503, fault: 'gateway', message: 'The identity store cannot be reached.' },
  provider_not_configured: { status: 503, fault: 'gateway', message: 'The provider behind this model is not configured.' },
  mcp_upstream_unavailable: { status: 502, fault: 'provider', message: 'An upstream MCP server could not be reached or failed.' },
  upstream_unreachable: { status: 502, fault: 'provider', message: 'The provider could not be reached.' },
  upstream_timeout: { status: 504, fault: 'provider', message: 'The provider did not answer in time.' },
  upstream_error: { status: 502, fault: 'provider', message: 'The provider answered with an error.' },
  upstream_rate_limited: { status: 429, fault: 'provider', message: 'The provider is rate limiting this gateway.' },
  upstream_auth_failed: { status: 502, fault: 'provider', message: "The provider rejected the gateway's credentials." },
  upstream_invalid_response: { status: 502, fault: 'provider', message: 'The provider sent a response that could not be read.' },
  upstream_stream_interrupted: { status: 502, fault: 'provider', message: 'The provider stream ended before the response was complete.' },
  gateway_shutdown: { status: 503, fault: 'gateway', message: 'The gateway shut down before the response was complete.' },
  internal_error: { status: 500, fault: 'gateway', message: 'The gateway failed unexpectedly. The request id identifies it in the logs.' },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** Codes that existed once and must never be given a new meaning. */
export const RETIRED_CODES: readonly string[] = [];
