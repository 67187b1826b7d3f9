/**
 * `npm run eval:detectors`: precision, recall and false-positive rates of the PII detectors and the
 * prompt-injection classifier on the held-out parts of ../shared/data and of the project's own
 * hand-written data. docs/detectors.md records the output and how the splits are made.
 */
import { evaluatePii, formatReport } from './eval-pii.js';
import { evaluateInjection, printReport } from './eval-injection.js';

console.log(formatReport(await evaluatePii('held-out')));
console.log('');
printReport(await evaluateInjection());
