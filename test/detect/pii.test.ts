import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  detectCreditCard,
  detectDateOfBirth,
  detectEmail,
  detectIban,
  detectIpAddress,
  detectPerson,
  detectPhone,
  detectPii,
  detectStreetAddress,
  detectUsSsn,
  ibanChecksumValid,
  luhnValid,
  PII_DETECTORS,
  resolveOverlaps,
} from '../../src/detect/pii/index.js';
import { anchored, scanAnchored } from '../../src/detect/pii/anchored-scan.js';
import { hasColonPair } from '../../src/detect/pii/ip-address.js';
import { prng } from '../support/prng.js';
import { existsSync, readFileSync } from 'node:fs';
import type { DetectedEntity, Detector } from '../../src/detect/types.js';

/** The matched substrings, so a failure shows what was found. */
function found(detector: Detector, text: string): string[] {
  return detector(text).map((e) => text.slice(e.start, e.end));
}

function none(detector: Detector, texts: string[]): void {
  for (const t of texts) assert.deepEqual(found(detector, t), [], t);
}

describe('email', () => {
  it('finds addresses, without trailing punctuation, incl. IDN and plus tags', () => {
    assert.deepEqual(found(detectEmail, 'Write to jane.doe+news@example.co.uk.'), ['jane.doe+news@example.co.uk']);
    assert.deepEqual(found(detectEmail, 'Mail: jöhn@exämple.de, or bob@mail.example.com!'), ['jöhn@exämple.de', 'bob@mail.example.com']);
    assert.deepEqual(found(detectEmail, '(contact: a_b@x-y.io)'), ['a_b@x-y.io']);
  });
  it('ignores handles, decorators and at-signs without a domain', () => {
    none(detectEmail, ['ping @alice', 'use @Component()', 'user@localhost', 'a @ b.com', 'git@github', 'price: 3@5.00']);
  });
  it('reports exact UTF-16 offsets after astral characters', () => {
    const text = '😀🎉 é x@y.org';
    const [e] = detectEmail(text);
    assert.equal(e.start, text.indexOf('x@y.org'));
    assert.equal(e.start, 7);
    assert.equal(e.end, 14);
    assert.equal(e.type, 'email');
  });
});

describe('phone', () => {
  it('finds international, (area), NANP and E.164 formats', () => {
    assert.deepEqual(found(detectPhone, 'Call +44 20 7946 0958 today'), ['+44 20 7946 0958']);
    assert.deepEqual(found(detectPhone, 'Office (415) 555-0132 ext 12.'), ['(415) 555-0132 ext 12']);
    assert.deepEqual(found(detectPhone, 'cell: 415.555.0132'), ['415.555.0132']);
    assert.deepEqual(found(detectPhone, 'E.164: +14155550132'), ['+14155550132']);
    assert.deepEqual(found(detectPhone, 'Tel (02) 9876 5432'), ['(02) 9876 5432']);
    assert.deepEqual(found(detectPhone, '+33 1 42 68 53 00'), ['+33 1 42 68 53 00']);
    assert.deepEqual(found(detectPhone, 'you can call 73 448 266'), ['73 448 266']);
    assert.deepEqual(found(detectPhone, '06-10446904-Office'), ['06-10446904']);
  });
  it('ignores dates, times, versions, IPs, order numbers, prices and card numbers', () => {
    none(detectPhone, [
      'Released 2023-01-15 at 12:30:45',
      'on 01/15/2023',
      'version 1.2.3.4',
      'host 192.168.1.10',
      'order #123-456-7890',
      'invoice 2023-0001-77',
      'costs $1,234.56',
      'ISBN 978-3-16-148410-0',
      'uuid 550e8400-e29b-41d4-a716-446655440000',
      '4111 1111 1111 1111',
      'my driver\'s license number is 425700624',
      'the answer is 1234567',
    ]);
  });
});

describe('credit card', () => {
  it('finds Luhn-valid numbers of every major brand, grouped or not', () => {
    const cards = [
      '4111 1111 1111 1111', // Visa
      '5555-5555-5555-4444', // Mastercard
      '2223003122003222', // Mastercard 2-series
      '3782 822463 10005', // Amex 4-6-5
      '6011111111111117', // Discover
      '3056 930902 5904', // Diners 14
      '3530111333300000', // JCB
      '6200000000000005', // UnionPay
      '6759649826438453', // Maestro
      '4111111111111111110', // Visa 19... only if Luhn-valid
    ].filter((c) => luhnValid(c.replace(/\D/g, '')));
    for (const c of cards) assert.deepEqual(found(detectCreditCard, `card: ${c}.`), [c], c);
    assert.equal(detectCreditCard('card 4111 1111 1111 1111')[0].confidence, 0.99);
  });
  it('ignores Luhn failures, odd grouping, ISBNs, phone-like and repeated digits', () => {
    none(detectCreditCard, [
      'card 4111 1111 1111 1112',
      '4111-1111 1111-1111',
      '41 11 11 11 11 11 11 11',
      'ISBN 978-3-16-148410-0',
      'ISBN 9783161484100',
      '0000 0000 0000 0000',
      'order 12345678903',
      'License U62928788557186',
      'Version 4111111111111111.2',
    ]);
  });
});

describe('IBAN', () => {
  it('finds compact, grouped and lower-case IBANs with a valid checksum', () => {
    assert.deepEqual(found(detectIban, 'IBAN GB82 WEST 1234 5698 7654 32, thanks'), ['GB82 WEST 1234 5698 7654 32']);
    assert.deepEqual(found(detectIban, 'DE89370400440532013000'), ['DE89370400440532013000']);
    assert.deepEqual(found(detectIban, 'my iban is gb82west12345698765432'), ['gb82west12345698765432']);
    assert.deepEqual(found(detectIban, 'NO9386011117947'), ['NO9386011117947']);
  });
  it('ignores bad checksums, wrong lengths and unknown countries', () => {
    none(detectIban, ['GB82 WEST 1234 5698 7654 33', 'GB82WEST123456987654', 'ZZ82WEST12345698765432', 'DE8937040044053201300']);
    assert.equal(ibanChecksumValid('GB82WEST12345698765432'), true);
    assert.equal(ibanChecksumValid('GB82WEST12345698765433'), false);
  });
});

describe('US SSN', () => {
  it('finds dashed numbers, and spaced or bare ones next to a cue', () => {
    assert.deepEqual(found(detectUsSsn, 'SSN: 219-45-6780.'), ['219-45-6780']);
    assert.deepEqual(found(detectUsSsn, 'ref 219-45-6780'), ['219-45-6780']);
    assert.deepEqual(found(detectUsSsn, 'social security number 219 45 6780'), ['219 45 6780']);
    assert.deepEqual(found(detectUsSsn, 'my ssn is 219456780'), ['219456780']);
  });
  it('ignores invalid ranges, known examples, and spaced/bare digits without a cue', () => {
    none(detectUsSsn, [
      'SSN 000-12-3456',
      'SSN 666-12-3456',
      'SSN 900-12-3456',
      'SSN 219-00-3456',
      'SSN 219-45-0000',
      'SSN 078-05-1120',
      'call 219 45 6780',
      'id 219456780',
      'date 2019-05-1234',
    ]);
  });
});

describe('IP address', () => {
  it('finds IPv4 and IPv6 in full and compressed forms', () => {
    assert.deepEqual(found(detectIpAddress, 'from 192.168.1.10.'), ['192.168.1.10']);
    assert.deepEqual(found(detectIpAddress, 'host 2001:0db8:85a3:0000:0000:8a2e:0370:7334'), ['2001:0db8:85a3:0000:0000:8a2e:0370:7334']);
    assert.deepEqual(found(detectIpAddress, 'to 2001:db8::8a2e:370:7334 and fe80::1, ::1'), ['2001:db8::8a2e:370:7334', 'fe80::1', '::1']);
    assert.deepEqual(found(detectIpAddress, '::ffff:192.0.2.128'), ['::ffff:192.0.2.128']);
  });
  it('gates IPv6 exactly as /:[0-9A-Fa-f]{0,4}:/ would (6,000 seeded texts)', () => {
    const rand = prng(17);
    const pieces = [':', ':', '::', 'a', 'F', '0', '9', 'g', 'G', 'x', ' ', '\n', 'db8', 'ffff', '12345', 'beef', '.', '/', 'é'];
    for (let i = 0; i < 6000; i++) {
      let text = '';
      const n = Math.floor(rand() * 12);
      for (let k = 0; k < n; k++) text += pieces[Math.floor(rand() * pieces.length)];
      assert.equal(hasColonPair(text), /:[0-9A-Fa-f]{0,4}:/.test(text), JSON.stringify(text));
    }
  });
  it('finds an address after a word that ends like a version cue', () => {
    // "ver" ends "Server" and "server": the cue is a whole word only.
    assert.deepEqual(found(detectIpAddress, 'Server 10.0.0.12 is down'), ['10.0.0.12']);
    assert.deepEqual(found(detectIpAddress, 'the db server: 172.16.4.20'), ['172.16.4.20']);
    assert.deepEqual(found(detectIpAddress, 'rebuild 192.168.0.7 tonight'), ['192.168.0.7']);
  });
  it('ignores partial, overlong and out-of-range addresses, versions, times and identifiers', () => {
    none(detectIpAddress, [
      '192.168.1',
      '1.2.3.4.5',
      '256.1.1.1',
      '01.02.03.04',
      'version 1.2.3.4',
      'Version 10.0.0.1',
      'Build 6.1.7601.1',
      'ver. 2.4.1.0',
      'v10.0.19041.1',
      'at 12:30:45',
      '2023-01-15T12:30:45Z',
      'std::vector',
      'dead::beef',
      'uuid 550e8400-e29b-41d4-a716-446655440000',
      'mac 00:1a:2b:3c:4d:5e',
    ]);
  });
});

describe('date of birth', () => {
  it('finds dates only after a birth cue', () => {
    assert.deepEqual(found(detectDateOfBirth, 'She was born on 2/7/1961. Her maiden name'), ['2/7/1961']);
    assert.deepEqual(found(detectDateOfBirth, 'DOB: 1985-03-12'), ['1985-03-12']);
    assert.deepEqual(found(detectDateOfBirth, 'date of birth: 12 March 1985'), ['12 March 1985']);
    assert.deepEqual(found(detectDateOfBirth, 'Birthday March 12, 1985'), ['March 12, 1985']);
    assert.deepEqual(found(detectDateOfBirth, 'J. Smith (b. 03.12.1985)'), ['03.12.1985']);
  });
  it('ignores dates without a cue and impossible dates', () => {
    none(detectDateOfBirth, ['Meeting on 2/7/1961', 'born on 45/45/1985', 'born in 1985', 'Club. 1993-01-04', 'born on 2/7/1700']);
  });
});

describe('person', () => {
  it('finds names after cues and titles, and listed first names with a surname', () => {
    assert.deepEqual(found(detectPerson, 'Hi, my name is Ola Nordmann and I need help'), ['Ola Nordmann']);
    assert.deepEqual(found(detectPerson, 'Please ask Dr. Jane Doe.'), ['Jane Doe']);
    assert.deepEqual(found(detectPerson, 'Dear Sarah,'), ['Sarah']);
    assert.deepEqual(found(detectPerson, 'I met Michael Johnson yesterday'), ['Michael Johnson']);
  });
  it('ignores capitalised non-names, street names and lone common words', () => {
    none(detectPerson, [
      'Dear Sir or Madam,',
      'Dear team,',
      'The Quick Brown Fox',
      'Will Power is a book',
      'I live at 19 Joan Maetsuyckerstraat 15',
      'San Giovanni Rotondo is a town',
      'Thanks, Great work',
      'The file name is Config',
    ]);
  });
});

describe('street address', () => {
  it('finds number + street name + suffix, with a unit', () => {
    assert.deepEqual(found(detectStreetAddress, 'ship to 221B Baker Street, Apt 4.'), ['221B Baker Street, Apt 4']);
    assert.deepEqual(found(detectStreetAddress, 'at 1600 Pennsylvania Avenue NW today'), ['1600 Pennsylvania Avenue NW']);
    assert.deepEqual(found(detectStreetAddress, '4589 40th Street Suite 603'), ['4589 40th Street Suite 603']);
  });
  it('ignores numbers followed by ordinary words', () => {
    none(detectStreetAddress, ['I have 3 Big Dogs', 'version 2 Drive mode', 'page 10 of the Road Code']);
  });
});

describe('detectPii', () => {
  it('combines all detectors in order of position, with exact UTF-16 offsets', () => {
    const text = 'Ünïcødé 😀: mail x@y.org, card 4111 1111 1111 1111, IP 10.0.0.1, IBAN DE89370400440532013000';
    const got = detectPii(text).map((e) => [e.type, text.slice(e.start, e.end)]);
    assert.deepEqual(got, [
      ['email', 'x@y.org'],
      ['credit_card', '4111 1111 1111 1111'],
      ['ip_address', '10.0.0.1'],
      ['iban', 'DE89370400440532013000'],
    ]);
    const card = detectPii(text).find((e) => e.type === 'credit_card')!;
    assert.equal(card.start, text.indexOf('4111'));
  });
  it('keeps the highest-confidence, then longest, of overlapping findings', () => {
    const e = (type: DetectedEntity['type'], start: number, end: number, confidence: number): DetectedEntity => ({ type, detector: type, start, end, confidence });
    assert.deepEqual(resolveOverlaps([e('phone', 0, 10, 0.6), e('credit_card', 0, 19, 0.99), e('email', 30, 40, 0.99)]), [
      e('credit_card', 0, 19, 0.99),
      e('email', 30, 40, 0.99),
    ]);
    assert.deepEqual(resolveOverlaps([e('person', 0, 4, 0.7), e('person', 0, 9, 0.7)]), [e('person', 0, 9, 0.7)]);
  });
  it('skips the digit-only detectors on a text without digits and finds exactly what running all of them finds', () => {
    const everyDetector = (text: string): DetectedEntity[] => resolveOverlaps(Object.values(PII_DETECTORS).flatMap((d) => d(text)));
    const texts = [
      'Call me on +1 415 555 0132 or write to ana@example.com; I live at 221B Baker Street, London.',
      'Card 4111 1111 1111 1111, IBAN DE89370400440532013000, SSN 078-05-1120, born 03/14/1985.',
      'Dear Maria Garcia, your server at fe80::1ff:fe23:4567:890a and dead::beef is down. Regards, John Smith',
      'My name is Jean-Luc Picard and Mr. Data lives on Elm Street; call five five five, one two three four.',
    ];
    // presidio-research's generated sentences (the PII evaluation set), when ../shared is there.
    const data = new URL('../../../shared/data/pii/presidio-research/generated_large.json', import.meta.url);
    if (existsSync(data)) {
      const rows = JSON.parse(readFileSync(data, 'utf8')) as { full_text: string }[];
      for (const row of rows.slice(0, 4000)) texts.push(row.full_text);
    }
    // The digit counts detectPii gates on (src/detect/pii/index.ts): every finding of these
    // detectors holds at least that many digits, in the corpus and in the hand-written texts.
    const minDigits: Record<string, number> = { phone: 6, credit_card: 12, iban: 2, us_ssn: 9, date_of_birth: 4, street_address: 1 };
    const digitsIn = (s: string): number => s.replace(/[^0-9]/g, '').length;
    // Few digits left: each text cut after its first 1, 2, 4, 6, 9 and 12 digits (the gates' edges).
    const cutAfterDigits = (t: string, k: number): string => {
      let seen = 0;
      for (let i = 0; i < t.length; i++) if (/[0-9]/.test(t[i]!) && ++seen === k) return t.slice(0, i + 1);
      return t;
    };
    for (const text of texts) {
      const cuts = [1, 2, 4, 6, 9, 12].map((k) => cutAfterDigits(text, k));
      for (const t of [text, text.replace(/[0-9]/g, ''), text.replace(/[0-9]/g, 'x'), ...cuts]) {
        assert.deepEqual(detectPii(t), everyDetector(t), t);
      }
      for (const [name, detector] of Object.entries(PII_DETECTORS)) {
        for (const e of detector(text)) {
          const need = minDigits[name] ?? 0;
          if (digitsIn(text.slice(e.start, e.end)) < need) assert.fail(`${name} found ${JSON.stringify(text.slice(e.start, e.end))}, with fewer than ${need} digits`);
        }
      }
    }
  });
  it('finds each digit-gated entity with no more digits in the text than the gate asks for', () => {
    // One text per gate at its exact minimum: a gate one digit too high would lose these.
    const cases: [Detector, string, string][] = [
      [detectPhone, 'call me on 12 3456 tonight', '12 3456'],
      [detectCreditCard, 'card 5018 0000 0009', '5018 0000 0009'],
      [detectUsSsn, 'SSN 536-22-1234', '536-22-1234'],
      [detectDateOfBirth, 'born 3/4/85', '3/4/85'],
      [detectStreetAddress, 'she lives at 7 Elm Street', '7 Elm Street'],
    ];
    for (const [detector, text, value] of cases) {
      assert.deepEqual(found(detector, text), [value], text);
      assert.ok(detectPii(text).some((e) => text.slice(e.start, e.end) === value), `detectPii lost ${value} in ${JSON.stringify(text)}`);
    }
  });
  it('finds nothing in ordinary technical text', () => {
    const text =
      'Upgrade to v2.3.14 (build 20240115) before 2024-01-15T12:30:45Z; order #A-123456789 costs $1,234.56. ' +
      'See ISBN 978-3-16-148410-0, UUID 550e8400-e29b-41d4-a716-446655440000, commit 3f2a9c1, port 8080, 1.2.3.4.5.';
    assert.deepEqual(detectPii(text), []);
  });
});

// The detectors skip work with cheap tests first (no digit, no `+`/`(`, no `::`-shaped pair, a cue
// looked for only near "name"/"called"). These pin the edges of those prefilters.
describe('prefilters keep every finding', () => {
  it('finds entities at the very start and the very end of the text', () => {
    assert.deepEqual(found(detectPhone, '+44 20 7946 0958'), ['+44 20 7946 0958']);
    assert.deepEqual(found(detectPhone, 'call (02) 9876 5432'), ['(02) 9876 5432']);
    assert.deepEqual(found(detectIpAddress, '2001:db8::1'), ['2001:db8::1']);
    assert.deepEqual(found(detectIpAddress, 'from fe80::1:2'), ['fe80::1:2']);
    assert.deepEqual(found(detectUsSsn, '536-22-1234 is her SSN'), ['536-22-1234']);
    assert.deepEqual(found(detectUsSsn, 'SSN 536221234'), ['536221234']);
    assert.deepEqual(found(detectStreetAddress, '221B Baker Street'), ['221B Baker Street']);
    assert.deepEqual(found(detectIban, 'GB82WEST12345698765432'), ['GB82WEST12345698765432']);
    assert.deepEqual(found(detectCreditCard, '4111 1111 1111 1111'), ['4111 1111 1111 1111']);
    assert.deepEqual(found(detectDateOfBirth, 'born 3/23/1940'), ['3/23/1940']);
    assert.deepEqual(found(detectPerson, 'Name: Maria Keller'), ['Maria Keller']);
    assert.deepEqual(found(detectPerson, 'x\nname: Maria Keller'), ['Maria Keller']);
  });
  it('finds cues in upper, lower and mixed case', () => {
    assert.deepEqual(found(detectPerson, 'MY NAME IS Maria Keller.'), ['Maria Keller']);
    assert.deepEqual(found(detectPerson, 'Hello, I Am Called Maria Keller'), ['Maria Keller']);
    assert.deepEqual(found(detectPerson, 'Account Holder Name: Maria Keller'), ['Maria Keller']);
    assert.deepEqual(found(detectPerson, "I'M CALLED Jose"), ['Jose']);
    assert.deepEqual(found(detectDateOfBirth, 'DOB: 1990-02-01'), ['1990-02-01']);
    assert.deepEqual(found(detectUsSsn, 'Social Security: 536 22 1234'), ['536 22 1234']);
  });
  it('finds a cue that starts 15 characters before its "name" (the longest reach)', () => {
    assert.deepEqual(found(detectPerson, 'the account holder name: Maria Keller'), ['Maria Keller']);
    assert.deepEqual(found(detectPerson, 'their name is Maria Keller, and her name is Sofia Rossi'), ['Maria Keller', 'Sofia Rossi']);
  });
  it('reads a bare SSN cue in the whole text as before, not just in the 50 characters before it', () => {
    // "SSN555…" has no word boundary after "ssn" in the text, though the 50 characters before the
    // digits end in "ssn": no finding, as without the prefilter.
    assert.deepEqual(found(detectUsSsn, 'Mr. Dear SSN555013212'), []);
    assert.deepEqual(found(detectUsSsn, 'her ssn: 536221234'), ['536221234']);
  });
  it('skips digit-free text without missing text whose only digits sit at an edge', () => {
    none(detectPhone, ['no digits here at all, (none) + none']);
    assert.deepEqual(found(detectPhone, 'phone: 415-555-0132'), ['415-555-0132']);
    assert.deepEqual(found(detectDateOfBirth, 'born March 23, 1940'), ['March 23, 1940']);
  });
  it('gives the same matches as a whole-text scan when cues sit next to each other', () => {
    const text = 'my name is my name is Maria Keller\nName:Sofia Rossi';
    assert.deepEqual(found(detectPerson, text), ['Maria Keller', 'Sofia Rossi']);
  });
});

describe('scanAnchored', () => {
  it('finds what a global scan finds, in order', () => {
    const pattern = /\b(?:my|their) name is |(?:^|\n|\baccount holder )name: /gi;
    const p = anchored(pattern, /name/gi, 17);
    const texts = [
      'name: a',
      'My Name Is x, their name is y\nname: z',
      'account holder name: q; account holder name: r',
      'my name is my name is ',
      'namename: name: ',
      '',
    ];
    for (const t of texts) {
      const expected = [...t.matchAll(pattern)].map((m) => [m.index, m[0]]);
      const got: unknown[] = [];
      scanAnchored(t, p, (m) => got.push([m.index, m[0]]));
      assert.deepEqual(got, expected, JSON.stringify(t));
    }
  });
});
