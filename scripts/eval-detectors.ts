/**
 * `npm run eval:detectors`: precision, recall and false-positive rates of the PII detectors, the
 * secret detectors and the prompt-injection classifier on the held-out parts of ../shared/data and
 * of the project's own data (scripts/injection-data, scripts/secrets-data). docs/detectors.md
 * records the output and how the splits are made.
 */
import { evaluatePii, formatReport } from './eval-pii.js';
import { evaluateInjection, printReport } from './eval-injection.js';
import { evaluateSecrets, formatSecretsReport } from './eval-secrets.js';

console.log(formatReport(await evaluatePii('held-out')));
console.log('');
console.log(formatSecretsReport(evaluateSecrets('test')));
console.log('');
printReport(await evaluateInjection());
