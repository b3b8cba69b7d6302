import { describe, expect, it } from 'vitest';
import { describeClasses } from './classes';
import { reasonSentences } from './reason-words';

const classes = describeClasses(['akiec', 'bcc', 'bkl', 'df', 'mel', 'nv', 'vasc']);
const reason = { strategy: 'fairfal', rank: 0, pseudoLabel: 3, prototypeProb: 0.14, normalizedEntropy: 0.99, queryModel: 'local' as const, kcenterDistance: 0.0662, classRank: 0, score: null };

describe('why this image, in plain words', () => {
  it('speaks of what the model is unsure about, what the image resembles and what is rare, without jargon or contradiction', () => {
    const text = reasonSentences({ reason, probs: [0.1, 0.17, 0.16, 0.15, 0.14, 0.14, 0.14], classes, labeledCounts: [2, 5, 9, 1, 8, 30, 2] }).join(' ');
    expect(text).toContain('unsure between');
    expect(text).toMatch(/resembles your Dermatofibroma examples, a class still under-represented in your labels \(1 of 57\)/);
    expect(text).toContain('Few images like this one are labeled yet.');
    expect(text).not.toMatch(/pseudo|k-center|seeds|uncertainty|%/i);
  });

  it('a common class is not called under-represented; a random start and an untrained model say so', () => {
    const common = reasonSentences({ reason: { ...reason, pseudoLabel: 5, kcenterDistance: null, normalizedEntropy: 0.2 }, probs: [0.05, 0.05, 0.05, 0.05, 0.05, 0.7, 0.05], classes, labeledCounts: [2, 5, 9, 1, 8, 30, 2] });
    expect(common.join(' ')).toMatch(/leans towards Nevus|leans towards/);
    expect(common.join(' ')).not.toContain('under-represented');
    expect(common.join(' ')).toContain('first pick');
    expect(reasonSentences({ reason, probs: [1 / 7, 1 / 7, 1 / 7, 1 / 7, 1 / 7, 1 / 7, 1 / 7], classes })[0]).toMatch(/cannot tell/);
    expect(reasonSentences({ reason: { ...reason, strategy: 'random', pseudoLabel: null }, probs: null, classes })[0]).toMatch(/at random/);
    expect(reasonSentences({ reason: { ...reason, strategy: 'cold-start', pseudoLabel: null }, probs: null, classes })[0]).toMatch(/group of similar-looking images/);
  });
});
