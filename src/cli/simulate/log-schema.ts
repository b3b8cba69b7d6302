/** The run log (JSON lines): one header, then one record per finished cycle. Read back with zod. */
import { z } from 'zod';

const counts = z.array(z.number().int().min(0));
const ids = z.array(z.number().int().min(0));
const nullableNumber = z.number().nullable();

export const HeaderRecordSchema = z.object({
  type: z.literal('header'),
  version: z.literal(1),
  startedAt: z.string(),
  config: z.record(z.string(), z.unknown()),
  engine: z.string(),
  dataset: z.object({
    path: z.string(),
    name: z.string(),
    numClasses: z.number().int().min(1),
    trainCount: z.number().int().min(1),
    testCount: z.number().int().min(1),
    trainClassCounts: counts,
    testClassCounts: counts,
    minorityClasses: z.array(z.number().int().min(0)),
  }),
  partition: z.object({
    pools: z.array(ids),
    testSets: z.array(ids),
    trainCounts: z.array(counts),
    testCounts: z.array(counts),
  }),
  budgetPerClient: z.number().int().min(0),
  initialPerClient: z.number().int().min(1),
  fractions: z.array(z.number()),
  initialLabeled: z.array(ids),
});

export const ClientCycleSchema = z.object({
  client: z.number().int().min(0),
  /** Labeled set size the cycle trained on. */
  labeled: z.number().int().min(0),
  histogram: counts,
  globalLocalTestAccuracy: nullableNumber,
  localOnlyTestAccuracy: nullableNumber,
  localOnlyEpochs: z.number().int().min(0).nullable(),
  localOnlyTrainAccuracy: nullableNumber,
  /** Query (absent in the last cycle). */
  queried: ids.nullable(),
  queriedHistogram: counts.nullable(),
  queryModel: z.enum(['global', 'local', 'both', 'none']).nullable(),
  gradSource: z.enum(['global', 'local']).nullable(),
  dK: nullableNumber,
  gammaK: nullableNumber,
  sK: nullableNumber,
});

export const CycleRecordSchema = z.object({
  type: z.literal('cycle'),
  cycle: z.number().int().min(0),
  nominalFraction: z.number(),
  labeledTotal: z.number().int().min(0),
  labeledFraction: z.number(),
  testAccuracy: z.number(),
  balancedAccuracy: z.number(),
  perClassRecall: z.array(nullableNumber),
  minorityRecall: z.number(),
  labeledHistogram: counts,
  clients: z.array(ClientCycleSchema),
  gammaBar: nullableNumber,
  gammaBarCycle: z.number().int().nullable(),
  timings: z.object({
    trainMs: z.number(),
    evalMs: z.number(),
    localOnlyMs: z.number(),
    inferMs: z.number(),
    queryMs: z.number(),
    totalMs: z.number(),
    imagePasses: z.number(),
  }),
  finishedAt: z.string(),
});

export const LogRecordSchema = z.discriminatedUnion('type', [HeaderRecordSchema, CycleRecordSchema]);

export type HeaderRecord = z.infer<typeof HeaderRecordSchema>;
export type CycleRecord = z.infer<typeof CycleRecordSchema>;
export type ClientCycle = z.infer<typeof ClientCycleSchema>;
export type LogRecord = z.infer<typeof LogRecordSchema>;
