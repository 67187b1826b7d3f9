// The text facts: what the injection classifier's pass over a prompt tells the PII and secret
// detectors, so that they skip the passes that cannot find anything (src/detect/text-facts.ts).
import { type TestContext, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { CharNeed, type TextFacts, TrigramRecord, declaredNeeds, mayContain, need } from '../../src/detect/text-facts.js';
import { scoreInjection } from '../../src/detect/injection/index.js';
import { LEET_PROBE, SPACED_PROBE, matchSignals } from '../../src/detect/injection/heuristics.js';
import { type WeightsFile, decodeModel, logitFolded } from '../../src/detect/injection/model.js';
import { detectEntities } from '../../src/detect/index.js';
import { PII_DETECTORS, detectPii } from '../../src/detect/pii/index.js';
import { SECRET_RULES, detectSecrets } from '../../src/detect/secrets/index.js';
import { fieldSlot } from '../../src/llm/formats/text-view.js';
import { prng } from '../support/prng.js';

const PRESIDIO = new URL('../../../shared/data/pii/presidio-research/generated_large.json', import.meta.url);

const factsOf = (text: string): TextFacts | undefined => scoreInjection(text, 'prompt').facts;
/** What the classifier reads of an ASCII text: lower case, each whitespace run one space, trimmed. */
const asRead = (text: string): string => text.toLowerCase().replace(/[\t\n\v\f\r ]+/g, ' ').trim();
const isAscii = (text: string): boolean => /^[\x00-\x7f]*$/.test(text);

// A question with spaces inside its words, as a detector may ask: a space stands for any run of
// whitespace in the text (declared here, in this test file's own process).
const SPACED_WORDS = need(['pay no attention', 'set aside']);

/** Every word a detector declared, in random case, among filler and punctuation, with random whitespace. */
function plantedTexts(count: number, seed: number): string[] {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const words = declaredNeeds().flatMap((n) => n.words);
  const filler = ['the', 'rollout', 'Paris', 'of', 'a', 'x', '42', '3.14', 'api', 'John', 'Smith', 'Mr', 'Dr', 'my', 'is', 'called', '=', ':', '"', "'", '_', '-'];
  const spaces = [' ', ' ', ' ', '  ', '\n', '\t', '\r\n', ' \n ', '', ''];
  const casing = (w: string): string => (rand() < 0.3 ? w.toUpperCase() : rand() < 0.5 ? w[0]!.toUpperCase() + w.slice(1) : w);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const parts: string[] = [];
    const n = 1 + Math.floor(rand() * 14);
    // A word's inner spaces become any whitespace run.
    const planted = (): string => pick(words).replace(/ (?=.)/g, () => pick(spaces) || ' ');
    for (let k = 0; k < n; k++) parts.push(casing(rand() < 0.3 ? planted() : pick(filler)), pick(spaces));
    out.push(parts.join(''));
  }
  return out;
}

/**
 * One finding each, found only through one word of one need (names that are not listed first
 * names, so that no other cue finds them): dropping any word from a need fails the test.
 */
const EDGES: readonly (readonly [text: string, detector: string])[] = [
  ...['dear john', 'hi anna', 'hello maria', 'sincerely, peter', 'regards\nlaura', 'thanks john', 'cheers maria'].map((t) => [t, 'person'] as const),
  ...['my name is', 'i am called', 'Mr.', 'Mr', 'Mrs', 'Ms.', 'Ms', 'Mx.', 'Mx', 'Miss', 'Dr.', 'Dr', 'Prof', 'Sir', 'Madam'].map((cue) => [`${cue} Zorb Quint`, 'person'] as const),
  ...['api_key = "', 'client_secret: "', 'access_token="', 'db_passwd = "', 'pwd: "', 'auth = "', 'credential = "'].map(
    (key) => [`${key}Zx9fK2mQ7vL4pR8s&T1wY6bN3cD5gH0jA"`, 'generic-secret'] as const,
  ),
  ['Server=db;Pwd=Hunter2Secret!;', 'connection-string-password'],
  ['https://x.example/login?pass=Hunter2Secret', 'connection-string-password'],
  ['aws_secret_access_key = "wJalrXUtnFEMIxK7MDENGzbPxRfiCYzq8Kd3Hw1v"', 'aws-secret-access-key'],
  ['host 1.2.3.4 is up', 'ipv4'],
];

/** Texts the detectors find things in: hand-written, and presidio-research's sentences when ../shared is there. */
function detectorTexts(t: TestContext): string[] {
  const texts = [
    'Dear John Smith, my name is Alice Brown and Mr. Bob Jones said hi Maria Garcia. host 192.168.1.20 is up.',
    'api_key = "Zx9fK2mQ7vL4pR8sT1wY6bN3cD5gH0jA" and Server=db;Password=Hunter2Secret!; thanks',
    'aws_secret_access_key = "wJalrXUtnFEMIxK7MDENGzbPxRfiCYzq8Kd3Hw1v"\nRegards,\nMaria Garcia',
    'Hello Anna Schmidt, your card 4111 1111 1111 1111 and SSN 536-22-1234; call +1 415 555 0132.',
    'Sincerely, Peter Parker. Prof. Charles Xavier and Dr Stephen Strange; full name: Tony Stark',
    'export DB_PASSWORD=Tr0ub4dor&3xyz; token: "ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5" at 10.1.2.3',
    'Cheers Laura Palmer! I am called Dale Cooper, Mx. Sam Lee and Miss Jane Eyre sent the credentials.',
    'Postgres: postgresql://admin:S3cr3tPassw0rd@db.internal:5432/app, auth header Bearer abcdefghijklmnop1234',
    ...EDGES.map(([text]) => text),
  ];
  if (existsSync(PRESIDIO)) {
    const rows = JSON.parse(readFileSync(PRESIDIO, 'utf8')) as { full_text: string }[];
    for (const row of rows) if (isAscii(row.full_text)) texts.push(row.full_text);
  } else {
    const why = `${PRESIDIO.pathname} is missing: part of this test reads presidio-research's sentences in ../shared/data`;
    if (process.env.CI) assert.fail(why);
    t.diagnostic(`${why}; the hand-written texts alone are checked`);
  }
  return texts;
}

describe('text facts', () => {
  it('are the classifier pass over an ASCII prompt: not for other text, nor in data mode', () => {
    const facts = factsOf('Dear John, the rollout reached 3 regions.');
    assert.ok(facts !== undefined);
    assert.equal(facts.digits, 1);
    // Non-ASCII text is folded (NFKC, look-alikes) before the classifier reads it: what it read is not the text.
    assert.equal(factsOf('Dear Jöhn, the rollout reached 3 regions.'), undefined);
    assert.equal(factsOf('Dear John, the rollout’s 3 regions.'), undefined);
    assert.equal(scoreInjection('Dear John, the rollout reached 3 regions.', 'data').facts, undefined);
    // Too short for a 3-gram: the pass does not run the trigram table.
    assert.equal(factsOf('ab'), undefined);
  });

  it('count the ASCII digits', () => {
    const rand = prng(7);
    for (let i = 0; i < 500; i++) {
      let text = '';
      const n = Math.floor(rand() * 60);
      for (let k = 0; k < n; k++) text += ' a1Z9-.\n_0:'[Math.floor(rand() * 11)];
      const digits = text.replace(/[^0-9]/g, '').length;
      const facts = factsOf(text);
      if (facts === undefined) {
        assert.ok(asRead(text).length < 3, JSON.stringify(text));
        continue;
      }
      assert.equal(facts.digits, digits, JSON.stringify(text));
    }
  });

  it('know exactly which characters outside the alphabet a text holds', () => {
    const rand = prng(13);
    const outside = [...'0123456789:=;"()[]{}<>/\\|!@#$%^&*_+`~'];
    const needs = outside.map((c) => new CharNeed(c));
    let tested = 0;
    for (let i = 0; i < 1000; i++) {
      let text = '';
      const n = 3 + Math.floor(rand() * 40);
      for (let k = 0; k < n; k++) text += rand() < 0.8 ? 'ab c.DE f,'[Math.floor(rand() * 10)] : outside[Math.floor(rand() * outside.length)];
      const facts = factsOf(text);
      if (facts === undefined) continue;
      tested++;
      needs.forEach((need, k) => assert.equal(need.mayBeIn(facts), text.includes(outside[k]!), `${outside[k]} in ${JSON.stringify(text)}`));
    }
    assert.ok(tested > 900, `${tested} texts`);
    assert.equal(new CharNeed(':=').mayBeIn(undefined), true);
    for (const c of ['a', 'A', ' ', '\n', '.', '-', 'é']) assert.throws(() => new CharNeed(c), /outside the 3-gram alphabet/, c);
  });

  it('never rule out a word that the text, as the classifier reads it, holds', () => {
    const needs = declaredNeeds();
    // The detectors' questions: the key words of the key-context rules, the name cues, the titles...
    assert.ok(needs.length >= 6, `${needs.length} needs declared`);
    let ruledOut = 0;
    for (const text of plantedTexts(3000, 11)) {
      const facts = factsOf(text);
      if (facts === undefined) continue;
      const read = asRead(text);
      for (const n of needs) {
        const holds = n.words.some((w) => read.includes(w));
        if (holds) assert.ok(mayContain(facts, n), `${JSON.stringify(text)} holds one of ${n.words.join('|')}`);
        else if (!mayContain(facts, n)) ruledOut++;
      }
    }
    // And they do rule words out: otherwise they would cost a pass for nothing.
    assert.ok(ruledOut > 3000, `${ruledOut} needs ruled out`);
    const plain = factsOf('Paris is lovely in spring, and the rollout waits for the error budget.');
    for (const n of needs) assert.equal(mayContain(plain, n), false, n.words.join('|'));
  });

  it('leave every detector finding what it finds without them', (t) => {
    const texts = detectorTexts(t);
    const detectors = [...Object.entries(PII_DETECTORS), ...SECRET_RULES.map((r, i) => [`secret rule ${i}`, r] as const)];
    let found = 0;
    let withFacts = 0;
    for (const base of texts) {
      // Each text, and copies that move the words' case and spacing about (the gates' edges).
      for (const text of [base, base.toUpperCase(), base.toLowerCase(), base.replace(/ /g, '\n'), base.replace(/ /g, '  ')]) {
        // detectEntities is these two, with the secrets winning overlaps.
        const secrets = detectSecrets(text);
        const pii = detectPii(text);
        found += secrets.length + pii.length;
        const facts = factsOf(text);
        if (facts === undefined) continue;
        withFacts++;
        assert.deepEqual(detectEntities(text, facts), detectEntities(text), text);
        assert.deepEqual(detectSecrets(text, facts), secrets, text);
        assert.deepEqual(detectPii(text, facts), pii, text);
        for (const [name, detector] of detectors) assert.deepEqual(detector(text, facts), detector(text), `${name}: ${text}`);
      }
    }
    assert.ok(withFacts >= 40 && found >= 40, `${withFacts} texts with facts, ${found} findings`);
    for (const [text, detector] of EDGES) {
      const facts = factsOf(text);
      assert.ok(facts !== undefined, text);
      assert.ok(detectEntities(text, facts).some((e) => e.detector === detector), `${detector} finds nothing in ${JSON.stringify(text)}`);
    }
    t.diagnostic(`${withFacts} texts with facts, ${found} findings`);
  });

  it('rule out the leetspeak and spelt-out-letters probes only where they cannot match', () => {
    const model = decodeModel(JSON.parse(readFileSync(new URL('../../src/detect/injection/weights-prompt.json', import.meta.url), 'utf8')) as WeightsFile);
    const rand = prng(23);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const pieces = [
      'ignore', 'previous', 'Instructions', 'the', 'a', 'I', 'e.g.', 'i.e.', '4th', '10am', 'x', 'Q', '7', 'b2b',
      '1gn0r3', 'pr3v10us', '@ll', '$ystem', 'h4ck', 'r00t', 'p@ss', 'US$', '5$', 'me@host', '3.14', '0x1F',
      'i g n o r e', 'I.G.N.O.R.E', 'a-b-c-d', 'x_y_z_w', 'p*q*r*s', 'a. b. c. d', 's  y  s  t', 'a b', 'a b c',
      '"quoted text here"', '"a b c d e"', '“curly”',
    ];
    const seps = [' ', ' ', '  ', '\n', '\t', '', '.', '-', '_', '*', ', ', '"'];
    let leet = 0;
    let spaced = 0;
    let ruledOut = 0;
    for (let i = 0; i < 4000; i++) {
      let text = '';
      const n = 1 + Math.floor(rand() * 10);
      for (let k = 0; k < n; k++) text += pick(pieces) + pick(seps);
      if (rand() < 0.3) text = text.toUpperCase();
      text = text.replace('“curly”', rand() < 0.5 ? '“curly”' : 'curly');
      const record = new TrigramRecord();
      record.reset();
      logitFolded(model, text, undefined, record);
      if (!/^[\x00-\x7f]*$/.test(text) || !record.complete) continue;
      const l = LEET_PROBE.test(text);
      const s = SPACED_PROBE.test(text);
      if (l) assert.ok(record.leetLetter, `leetspeak probe matches ${JSON.stringify(text)}`);
      if (s) assert.ok(record.shortPair, `spelt-out probe matches ${JSON.stringify(text)}`);
      leet += Number(l);
      spaced += Number(s);
      ruledOut += Number(!record.leetLetter) + Number(!record.shortPair);
      // And the score, signals included, is the one computed with no facts at all.
      const heur = matchSignals(text, 'prompt', true);
      const got = scoreInjection(text, 'prompt');
      assert.equal(got.score, 1 / (1 + Math.exp(-(logitFolded(model, text) + heur.weight))), JSON.stringify(text));
      assert.deepEqual(got.signals, heur.names, JSON.stringify(text));
    }
    assert.ok(leet > 300 && spaced > 300 && ruledOut > 1000, `leetspeak ${leet}, spelt out ${spaced}, ruled out ${ruledOut}`);
  });

  it('are dropped when a policy rewrites the slot', () => {
    const message = { role: 'user', content: 'Dear John Smith' };
    const slot = fieldSlot('user', 0, message, 'content', () => {});
    slot.facts = factsOf(slot.text);
    assert.ok(slot.facts !== undefined);
    slot.set('Dear [PERSON_1]');
    assert.equal(slot.facts, undefined);
  });

  it('read as a regex where there are no facts, with the same meaning', () => {
    // A space is any whitespace run; a period is a period.
    assert.equal(SPACED_WORDS.regExp('i').test('Pay  no\nattention'), true);
    assert.equal(SPACED_WORDS.regExp('i').test('paynoattention'), false);
    const titles = declaredNeeds().find((n) => n.words.includes('mr.'))!;
    assert.equal(titles.regExp('i').test('Mr. Smith'), true);
    assert.equal(titles.regExp('i').test('mrs'), true);
    assert.equal(titles.regExp('i').test('mrx'), false);
  });

  it('refuse a word the 3-grams cannot tell', () => {
    assert.throws(() => need(['hi']), /3 or more/);
    assert.throws(() => need(['Key']), /3 or more/);
    assert.throws(() => need(['a_b']), /3 or more/);
  });
});
