import { malformed, unsupported } from './translation-errors.js';

/**
 * Images between chat's `image_url` (a URL or a data: URL) and Anthropic's image `source`
 * (`base64` with a media type, or `url`).
 */
const DATA_URL = /^data:([^;,]+)((?:;[^;,]*)*),(.*)$/s;
const HTTP_URL = /^https?:\/\//i;

export function anthropicImageSource(url: string, param: string): Record<string, unknown> {
  if (url.startsWith('data:')) {
    const match = DATA_URL.exec(url);
    if (match === null) throw malformed('The image data URL is malformed.', param);
    const [, mediaType, parameters, data] = match as unknown as [string, string, string, string];
    if (!parameters.split(';').includes('base64')) {
      throw unsupported('Anthropic takes inline images only base64-encoded; send a ";base64" data URL.', param);
    }
    return { type: 'base64', media_type: mediaType, data };
  }
  if (HTTP_URL.test(url)) return { type: 'url', url };
  throw unsupported('Only http(s) and base64 data: image URLs can be sent to Anthropic.', param);
}

export function chatImageUrl(source: unknown, param: string): string {
  if (source === null || typeof source !== 'object') throw malformed('The image block has no source.', param);
  const s = source as Record<string, unknown>;
  if (s.type === 'base64' && typeof s.media_type === 'string' && typeof s.data === 'string') return `data:${s.media_type};base64,${s.data}`;
  if (s.type === 'url' && typeof s.url === 'string') return s.url;
  if (s.type === 'base64' || s.type === 'url') throw malformed('The image source is incomplete.', param);
  throw unsupported(`An image source of type "${String(s.type)}" has no chat completions equivalent.`, param);
}
