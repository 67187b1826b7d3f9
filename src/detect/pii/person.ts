import type { DetectedEntity, Detector } from '../types.js';
import { anchored, scanAnchored } from './anchored-scan.js';
import { entity } from './entity.js';
import { FIRST_NAMES } from './first-names.js';
import { resolveOverlaps } from './resolve-overlaps.js';
import { mayContain, need } from '../text-facts.js';

// A capitalised name word (any script), incl. O'Neil, Jean-Luc, McGregor.
const WORD = "\\p{Lu}[\\p{Ll}\\p{Lu}'’\\-]{0,24}";
const NAME = `${WORD}(?:[ ]${WORD}){0,2}`;
// Cue phrases after which a name follows. Found without the `u` flag (case-insensitive Unicode
// matching is ~50x slower in V8); the name itself is then read with a sticky Unicode pattern.
const STRONG_CUE =
  /\b(?:(?:my|his|her|their|your) name is|my name's|i am called|i'm called)[ ]+|(?:^|\n|\b(?:full|first|last|patient|customer|client|contact|account holder|cardholder)[ ])name[ ]?:[ ]?/gi;
// Every strong cue says "name" or "called" (same flags), at most 15 characters after its start
// ("account holder name"): the cue is looked for only there.
const STRONG_WORDS = need(['name', 'called']);
const STRONG_NEAR = anchored(STRONG_CUE, STRONG_WORDS.regExp('gi'), 15);
// Weaker cues: only with a listed first name.
const WEAK_CUE = /\b(?:dear|hi|hello|sincerely,?|regards,?|thanks,?|cheers,?)[ \n]+/gi;
// The words of the weak cues, for the text facts. `hi` is too short for a 3-gram: it counts with
// the whitespace after it, which a cue that finds anything has (a name follows it), and which the
// classifier reads as one space.
const WEAK_WORDS = need(['dear', 'hi ', 'hello', 'sincerely', 'regards', 'thanks', 'cheers']);
const WORDS_AT = /[\p{L}'’\-]{1,25}(?:[ ][\p{L}'’\-]{1,25}){0,2}/uy;
const TITLED = new RegExp(`\\b(?:Mr|Mrs|Ms|Mx|Miss|Dr|Prof|Sir|Madam)\\.?[ ](${NAME})`, 'gu');
// The titles for the text facts; a two-letter one with the period or space that follows it.
const TITLE_WORDS = need(['mr.', 'mr ', 'mrs', 'ms.', 'ms ', 'mx.', 'mx ', 'miss', 'dr.', 'dr ', 'prof', 'sir', 'madam']);
// Capitalised words; one that is a listed first name, followed by a surname, is a person.
const CAPITALISED = /\p{Lu}[\p{Ll}'’\-]{1,24}/gu;
const NEXT_WORDS = /[ ](\p{Lu}[\p{Ll}\p{Lu}'’\-]{0,24})(?:[ ](\p{Lu}[\p{Ll}\p{Lu}'’\-]{0,24}))?/uy;
const PREVIOUS_WORD = /(\p{L}[\p{L}.]{0,24})[ ]$/u;
// Capitalised words that end a name: they start places, orgs or sentences, not surnames.
const NOT_NAME = new Set(
  `the a an and or but i we you he she it they this that my your our his her their street st avenue ave
  road rd lane ln drive dr boulevard blvd court way place university college bank inc ltd llc corp
  company street hospital school hotel airport station is was are in on at of to for from with by
  monday tuesday wednesday thursday friday saturday sunday january february march april june july
  august september october november december hi hello thanks please team support customer user admin sir madam all everyone apt apartment suite unit po box`
    .split(/\s+/),
);

const LEAD_IN = new Set('dear hi hello hey thanks mr mrs ms mx miss dr prof sir by from to with and'.split(' '));

function trimName(name: string): string {
  const words = name.split(' ');
  const kept: string[] = [];
  for (const w of words) {
    if (NOT_NAME.has(w.toLowerCase())) break;
    kept.push(w);
  }
  return kept.join(' ');
}

const isCapitalised = (w: string): boolean => /^\p{Lu}/u.test(w);
const listed = (w: string): boolean => FIRST_NAMES.has(w.toLowerCase());

/** The name right after a cue: capitalised words, or in lower-case text a listed first name alone. */
function nameAt(text: string, index: number): string {
  WORDS_AT.lastIndex = index;
  const m = WORDS_AT.exec(text);
  if (!m) return '';
  const words = m[0].split(' ');
  if (!isCapitalised(words[0])) return listed(words[0]) ? words[0] : '';
  const kept: string[] = [];
  for (const w of words) {
    if (!isCapitalised(w) || NOT_NAME.has(w.toLowerCase())) break;
    kept.push(w);
  }
  return kept.join(' ');
}

export const detectPerson: Detector = (text, facts) => {
  const out: DetectedEntity[] = [];
  if (mayContain(facts, STRONG_WORDS)) {
    scanAnchored(text, STRONG_NEAR, (cue) => {
      const start = cue.index + cue[0].length;
      const name = nameAt(text, start);
      if (name.length >= 2) out.push(entity('person', 'person', start, start + name.length, listed(name.split(' ')[0]) ? 0.85 : 0.7));
    });
  }
  if (mayContain(facts, WEAK_WORDS)) {
    WEAK_CUE.lastIndex = 0;
    for (let cue = WEAK_CUE.exec(text); cue !== null; cue = WEAK_CUE.exec(text)) {
      const start = cue.index + cue[0].length;
      const name = nameAt(text, start);
      if (name.length >= 2 && listed(name.split(' ')[0])) out.push(entity('person', 'person', start, start + name.length, 0.75));
    }
  }
  if (mayContain(facts, TITLE_WORDS)) {
    TITLED.lastIndex = 0;
    for (let m = TITLED.exec(text); m !== null; m = TITLED.exec(text)) {
      const name = trimName(m[1]);
      const start = m.index + m[0].length - m[1].length;
      if (name.length >= 2) out.push(entity('person', 'person', start, start + name.length, 0.85));
    }
  }
  CAPITALISED.lastIndex = 0;
  for (let m = CAPITALISED.exec(text); m !== null; m = CAPITALISED.exec(text)) {
    if (!listed(m[0])) continue;
    const start = m.index;
    if (start > 0 && /[\p{L}\p{N}]/u.test(text[start - 1])) continue;
    NEXT_WORDS.lastIndex = start + m[0].length;
    const next = NEXT_WORDS.exec(text);
    if (!next || NOT_NAME.has(next[1].toLowerCase())) continue;
    // `Rue Joseph Vernet`, `San Giovanni`: a name after another capitalised word is a place or an
    // org, unless that word is a greeting or a title.
    const prev = PREVIOUS_WORD.exec(text.slice(Math.max(0, start - 26), start));
    if (prev && isCapitalised(prev[1]) && !LEAD_IN.has(prev[1].toLowerCase().replace(/\.$/, ''))) continue;
    // `19 Joan Maetsuyckerstraat 15`: numbers around it make it an address.
    if (/\d[ ]?$/.test(text.slice(Math.max(0, start - 2), start))) continue;
    const name = trimName(`${m[0]}${next[0]}`);
    if (/^[ ]\d/.test(text.slice(start + `${m[0]}${next[0]}`.length, start + `${m[0]}${next[0]}`.length + 2)) && name === `${m[0]}${next[0]}`) continue;
    if (name.includes(' ')) out.push(entity('person', 'person', start, start + name.length, 0.65));
  }
  return resolveOverlaps(out);
};
