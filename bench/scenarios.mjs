// The scenarios `npm run bench` measures, side by side, in this order (reversed every other round).
// Adding one = a config file in bench/configs/ + one entry here (see bench/README.md).
//
//   name     row label, and the name targets and --only refer to
//   target   what answers: 'mock' (direct), 'bare-proxy', 'gatehouse' (needs `config`), 'portkey'
//   config   for 'gatehouse': a file in bench/configs/ (${BENCH_UPSTREAM} is the mock's /v1 URL)
//   headers  extra request headers; "{upstream}" is replaced by the mock's /v1 URL
//   mcp      path of its MCP endpoint, for the MCP tools/call table (absent: not measured there)
//   what     one line for the README and RESULTS.md
export const SCENARIOS = [
  { name: 'direct', target: 'mock', mcp: '/mcp', what: 'straight to the mock upstream: the reference' },
  { name: 'bare-proxy', target: 'bare-proxy', mcp: '/mcp', what: 'node:http + undici Pool, bytes passed through: the floor' },
  {
    name: 'gatehouse',
    target: 'gatehouse',
    config: 'gatehouse-no-policies.yaml',
    mcp: '/mcp/bench',
    what: 'Gatehouse, no policies',
  },
  {
    name: 'gatehouse-prod',
    target: 'gatehouse',
    config: 'gatehouse-production.yaml',
    mcp: '/mcp/bench',
    headers: { authorization: 'Bearer gk-bench' },
    what: 'Gatehouse, production set (identity + PII, secret and injection scanning)',
  },
  {
    name: 'gatehouse-prod-cached',
    target: 'gatehouse',
    config: 'gatehouse-production-cached.yaml',
    mcp: '/mcp/bench',
    headers: { authorization: 'Bearer gk-bench' },
    what: 'the production set with the scan cache on: every text slot seen before (a conversation history re-sent)',
  },
  {
    name: 'portkey',
    target: 'portkey',
    headers: { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': '{upstream}', authorization: 'Bearer sk-bench' },
    what: '@portkey-ai/gateway from the npm registry, provider openai with a custom host',
  },
];
