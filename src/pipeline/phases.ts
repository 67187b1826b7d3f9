/**
 * The phases every Exchange walks through, in order. docs/pipeline.md documents each one: what a
 * policy may read and do there, and what status a verdict produces.
 */
export const PHASES = [
  'identify',
  'authorize',
  'limit',
  'inspectIn',
  'approve',
  'forward',
  'inspectOut',
  'account',
  'record',
] as const;

export type Phase = (typeof PHASES)[number];

/** The phases a policy can hook before the request leaves for the provider. */
export const REQUEST_PHASES = ['identify', 'authorize', 'limit', 'inspectIn', 'approve'] as const;
export type RequestPhase = (typeof REQUEST_PHASES)[number];

/** The phases a policy can hook after the provider answered. */
export const RESPONSE_PHASES = ['inspectOut', 'account'] as const;
export type ResponsePhase = (typeof RESPONSE_PHASES)[number];
