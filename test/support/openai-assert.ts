import assert from 'node:assert/strict';
import OpenAI from 'openai';

type ChatStream = AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>;

/**
 * Reads a chat stream that must end with Gatehouse's in-band error: the SDK raises it as an
 * APIError whose body carries `code`. Returns the content delivered before the error.
 */
export async function expectStreamError(stream: ChatStream, code: string): Promise<string> {
  let text = '';
  await assert.rejects(
    (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })(),
    (err: unknown) => {
      assert.ok(err instanceof OpenAI.APIError, `expected an APIError, got ${String(err)}`);
      assert.equal((err.error as { code?: string }).code, code);
      return true;
    },
  );
  return text;
}

/** Asserts a call fails with an OpenAI APIError of this HTTP status and Gatehouse code. */
export async function expectApiError(call: Promise<unknown>, status: number, code: string): Promise<void> {
  await assert.rejects(call, (err: unknown) => {
    assert.ok(err instanceof OpenAI.APIError, `expected an APIError, got ${String(err)}`);
    assert.equal(err.status, status);
    assert.equal(err.code, code);
    return true;
  });
}
