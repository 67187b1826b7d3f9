import { z } from 'zod';
import { configSchema } from '../src/config/schema.ts';
try {
const s = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });
console.log(JSON.stringify(s, null, 1).slice(9000, 40000));
console.log(JSON.stringify(s).length);
} catch (e) { console.log('ERR', e); }
try { z.toJSONSchema(configSchema, { io: 'output' }); console.log('output ok'); } catch (e) { console.log('output ERR', (e as Error).message); }
try { z.toJSONSchema(configSchema); console.log('default ok'); } catch (e) { console.log('default ERR', (e as Error).message); }
