/** The simulator's seeded PRNG (mulberry32), so a failing randomised case can be replayed from its seed. */
export { prng } from '../../src/llm/providers/simulated/generate.js';
