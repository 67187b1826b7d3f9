/**
 * Hand-written injection signals. Each adds its weight to the classifier's logit; they catch the
 * short, well-known forms (an override appended to a long benign prompt) that a bag of n-grams
 * over a whole document dilutes. Weights are moderate on purpose: a prompt that merely discusses
 * "ignore previous instructions" should need the model's agreement to be flagged.
 */

import { foldConfusables } from './features.js';

export interface InjectionSignal {
  readonly name: string;
  readonly weight: number;
  readonly pattern: RegExp;
}

const PRIOR = String.raw`(?:all\s+|any\s+|the\s+|your\s+|my\s+|of\s+)*(?:previous|prior|above|preceding|earlier|former|original|initial|system|existing)`;
const RULES = String.raw`(?:instructions?|prompts?|rules|directions|directives|guidelines|context|messages?|commands?|constraints|restrictions)`;

export const SIGNALS: readonly InjectionSignal[] = [
  {
    name: 'instruction_override',
    weight: 2.5,
    pattern: new RegExp(
      String.raw`\b(?:ignore|disregard|forget|override|bypass|skip|drop|abandon|discard)\s+(?:about\s+)?${PRIOR}\s+(?:\w+\s+)?${RULES}`,
      'i',
    ),
  },
  {
    name: 'instruction_override_translated',
    weight: 2.5,
    pattern: /\b(?:ignoriere|vergiss)\s+(?:alle\s+)?(?:vorherigen|bisherigen|obigen)\s+(?:anweisungen|instruktionen|regeln)|\bignora\s+(?:todas\s+)?(?:las\s+)?instrucciones\s+(?:anteriores|previas)|\bignorez?\s+(?:toutes\s+)?(?:les\s+)?instructions\s+(?:précédentes|precedentes|antérieures)|\bignora\s+(?:tutte\s+)?(?:le\s+)?istruzioni\s+precedenti/i,
  },
  {
    name: 'new_instructions',
    weight: 1.5,
    pattern: /\b(?:your\s+new\s+(?:instructions|task|role|rules)\s+(?:is|are)|from\s+now\s+on,?\s+you\s+(?:will|must|are|shall)|new\s+instructions?\s*:)/i,
  },
  {
    name: 'role_hijack',
    weight: 2.0,
    pattern: /\b(?:you\s+are\s+(?:now\s+)?(?:dan|stan|dude|aim|in\s+developer\s+mode|jailbroken|unfiltered|uncensored|unrestricted)\b|(?:developer|god|jailbreak|dan|unrestricted)\s+mode\s+(?:enabled|activated|on)\b|do\s+anything\s+now|act\s+as\s+(?:an?\s+)?(?:unfiltered|uncensored|unrestricted|amoral)|without\s+any\s+(?:moral|ethical)\s+(?:restrictions|guidelines|constraints)|(?:free|freed)\s+from\s+(?:the\s+)?(?:typical\s+)?(?:confines|restrictions|rules)\s+of\s+ai)/i,
  },
  {
    name: 'system_prompt_exfiltration',
    weight: 2.0,
    pattern: /\b(?:reveal|print|show|repeat|output|display|leak|dump|disclose|tell\s+me|write\s+out|give\s+me)\s+(?:me\s+)?(?:all\s+)?(?:of\s+)?(?:your|the)\s+(?:full\s+|entire\s+|exact\s+|hidden\s+|initial\s+|original\s+|secret\s+)*(?:system\s+prompt|system\s+message|instructions|initial\s+prompt|hidden\s+prompt|prompt\s+above|text\s+above)(?!\s+(?:(?:for|in|of)\s+(?:a|an|my|this)\b|best|tips|examples?|templates?|guidelines|format|design|wording))/i,
  },
  {
    name: 'delimiter_injection',
    weight: 1.5,
    pattern: /(?:<\/?\s*(?:system|im_start|im_end|\|im_start\||\|im_end\||\|system\||\|endoftext\|)\s*>|\[\/?(?:system|inst)\]|^#{2,}\s*(?:instruction|system|new\s+instructions?)\s*:?\s*$|<\|(?:im_start|im_end|system|endoftext|eot_id|start_header_id)\|>|\bBEGIN\s+SYSTEM\s+PROMPT\b)/im,
  },
  {
    name: 'encoded_payload',
    weight: 1.0,
    pattern: /(?:[A-Za-z0-9+/]{120,}={0,2})|(?:\b(?:decode|base64|rot13)\b.{0,40}\b(?:and\s+)?(?:follow|execute|run|obey)\b)/,
  },
  {
    name: 'conceal_from_user',
    weight: 2.0,
    pattern: /\b(?:do\s+not|don't|never)\s+(?:tell|inform|mention\s+(?:this|it)\s+to|reveal\s+(?:this|it)\s+to|let)\s+(?:the\s+)?user(?:s)?\b(?:\s+know)?|\bwithout\s+(?:telling|informing|notifying)\s+the\s+user\b/i,
  },
  {
    name: 'tool_coercion',
    weight: 2.0,
    pattern: /\b(?:call|invoke|use|run|execute)\s+the\s+[\w-]+\s+(?:tool|function)\b.{0,80}\b(?:send|post|upload|forward|email)\b|\b(?:send|post|upload|forward|exfiltrate|transmit)\s+(?:all\s+|the\s+|this\s+|their\s+|his\s+|her\s+)?(?:user'?s?\s+)?(?:data|conversation|chat\s+history|credentials|passwords?|api\s+keys?|tokens?|cookies|files|emails|contacts)\s+to\s+(?:https?:\/\/|[\w.-]+@|\S+\.(?:com|net|io|xyz|ru)\b)/i,
  },
  {
    // An override phrase in quotes is being discussed or translated, not issued.
    name: 'quoted_override',
    weight: -2.0,
    pattern: /["“'`][^"”'`\n]{0,20}\b(?:ignore|disregard|forget)\s+(?:all\s+)?(?:the\s+)?(?:previous|prior|above)\b[^"”'`\n]{0,60}["”'`]/i,
  },
  {
    name: 'addressed_to_model',
    weight: 1.0,
    pattern: /\b(?:(?:ai|assistant|chatgpt|language\s+model|llm|claude|gpt)\s*[,:]\s*(?:please\s+)?(?:ignore|disregard|you\s+must|stop|instead)|attention\s+(?:ai|assistant|llm|language\s+model)s?\b|(?:note|message|instruction)\s+(?:to|for)\s+(?:the\s+)?(?:ai|assistant|llm|language\s+model|model)\b)/i,
  },
];

/** Signals that fire on the text (look-alike letters folded first), with the summed weight; damping signals are not named. */
export function matchSignals(raw: string): { names: string[]; weight: number } {
  const text = foldConfusables(raw);
  const names: string[] = [];
  let weight = 0;
  for (const s of SIGNALS) {
    if (s.pattern.test(text)) {
      if (s.weight > 0) names.push(s.name);
      weight += s.weight;
    }
  }
  return { names, weight };
}
