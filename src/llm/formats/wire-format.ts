/**
 * The wire-format families a provider can speak natively. A family groups the operations of one
 * vendor's API (OpenAI: chat completions, embeddings, Responses; Anthropic: Messages). When the
 * client's family equals the provider's, bodies pass through untouched.
 */
export type WireFormat = 'openai' | 'anthropic';
