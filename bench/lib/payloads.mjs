// The bench's wire payloads: a ~2 KB chat request and the mock's answers, shaped like OpenAI's
// (test/fixtures/openai/chat-text.* show the real sequences they imitate).

const SYSTEM_PROMPT =
  'You are a careful assistant for an internal engineering knowledge base. Answer in plain English, ' +
  'cite the document titles you used, say so when the documents do not contain the answer, never ' +
  'invent configuration keys, and keep answers under two hundred words unless the user asks for ' +
  'more detail. When you show commands, show them for a Linux shell and explain each flag once. ' +
  'If a question concerns credentials, tell the user to use the secrets manager and never repeat a ' +
  'secret that appears in the conversation. Prefer short paragraphs and numbered steps for ' +
  'procedures. Use the metric system. When a document is older than a year, mention its date.';

const DOCUMENT =
  'Document: "Gateway runbook, section 4 (rollouts)". A rollout starts in the staging region, ' +
  'waits for the error budget check, then proceeds one region at a time with a fifteen minute ' +
  'bake. The on-call engineer may pause a rollout with the deploy tool; a paused rollout resumes ' +
  'only after a second engineer approves. Configuration changes follow the same path as code. ' +
  'Rollbacks skip the bake and go to every region at once. Every rollout records who started it, ' +
  'the build it carries and the regions it reached, so an incident review can replay it. The ' +
  'error budget check reads the last hour of the gateway dashboards: a region whose error rate is ' +
  'above its budget blocks the rollout until the rate is back under it for ten minutes.';

/** The chat completion request every scenario sends (about 2 KB as JSON). */
export function chatRequest({ stream = false, model = 'gpt-4o-mini' } = {}) {
  const body = {
    model,
    messages: [
      { role: 'system', content: SYSTEM_PROMPT },
      { role: 'user', content: `${DOCUMENT}\n\nQuestion: how does a rollout reach every region?` },
      {
        role: 'assistant',
        content:
          'A rollout starts in staging, waits for the error budget check, then moves one region at a ' +
          'time with a fifteen minute bake between regions (source: Gateway runbook, section 4).',
      },
      { role: 'user', content: 'And how is a rollback different? Keep it short, and say who can pause one.' },
    ],
    temperature: 0.2,
    max_tokens: 400,
    user: 'bench-user-0001',
    metadata: { team: 'platform', purpose: 'load-test' },
  };
  if (stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  return JSON.stringify(body);
}

const ID = 'chatcmpl-BenchMockQ1LhYw8tZr0mXk3VbN5aQe7';
const CREATED = 1761312045;
const MODEL = 'gpt-4o-mini-2024-07-18';
const USAGE = {
  prompt_tokens: 412,
  completion_tokens: 96,
  total_tokens: 508,
  prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
  completion_tokens_details: {
    reasoning_tokens: 0,
    audio_tokens: 0,
    accepted_prediction_tokens: 0,
    rejected_prediction_tokens: 0,
  },
};
const ANSWER =
  'A rollback skips the fifteen minute bake and goes to every region at once, instead of one region ' +
  'at a time. Any on-call engineer can pause a rollout with the deploy tool; resuming a paused ' +
  'rollout needs a second engineer to approve it. Configuration changes follow the same path as code ' +
  '(source: Gateway runbook, section 4, rollouts). Every rollout is recorded for incident reviews.';

/** The non-streamed answer: about 1 KB of JSON. */
export function chatCompletionJson() {
  return JSON.stringify({
    id: ID,
    object: 'chat.completion',
    created: CREATED,
    model: MODEL,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: ANSWER, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: USAGE,
    service_tier: 'default',
    system_fingerprint: 'fp_bench0001',
  });
}

function chunk(delta, finishReason = null, usage = null, choices = undefined) {
  return (
    'data: ' +
    JSON.stringify({
      id: ID,
      object: 'chat.completion.chunk',
      created: CREATED,
      model: MODEL,
      service_tier: 'default',
      system_fingerprint: 'fp_bench0001',
      choices: choices ?? [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      usage,
      obfuscation: 'q3Xz',
    }) +
    '\n\n'
  );
}

/**
 * The streamed answer as separate SSE events: the role chunk, `contentChunks` content chunks, the
 * finish chunk, the usage chunk (only with include_usage), then `data: [DONE]`.
 */
export function chatCompletionSse({ contentChunks = 30, includeUsage = true } = {}) {
  const words = ANSWER.split(/(?=\s)/);
  const per = Math.max(1, Math.ceil(words.length / contentChunks));
  const events = [chunk({ role: 'assistant', content: '', refusal: null })];
  for (let i = 0; i < contentChunks; i++) {
    const text = words.slice(i * per, (i + 1) * per).join('') || '.';
    events.push(chunk({ content: text }));
  }
  events.push(chunk({}, 'stop'));
  if (includeUsage) events.push(chunk(undefined, null, USAGE, []));
  events.push('data: [DONE]\n\n');
  return events;
}
