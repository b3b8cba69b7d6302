// What the study's model is, in words a clinician reads in Settings (issue 16).
import type { FederationPlan } from '../../../shared/api';

export function describeModel(task: Pick<FederationPlan, 'model' | 'inputShape' | 'backbone' | 'pretrained' | 'training'>): string {
  const b = task.backbone;
  if (b) {
    const what = b.description.trim() || 'a pretrained feature extractor';
    return `A small classifier trained on the features of ${what} (${b.featureDim} features per image, images at ${b.inputShape[0]} × ${b.inputShape[1]} px; file ${b.sha256.slice(0, 12)}…)`;
  }
  const [h, w] = task.inputShape;
  const size = `${h} × ${w} px images`;
  const p = task.pretrained;
  if (p) {
    const frozen = task.training?.frozenBlocks.length ?? 0;
    const what = p.description.trim() || 'a pretrained network';
    return `${what}, fine-tuned on your labels: ${frozen > 0 ? 'its last block and a new classifier learn, the earlier blocks stay as pretrained' : 'every layer learns'} (${size}; file ${p.sha256.slice(0, 12)}…)`;
  }
  if (task.model === 'cnn4conv') return `Compact 4-layer network, as in the FairFAL paper (${size})`;
  if (task.model === 'resnet9s') return `Residual network, ResNet-9 small (${size})`;
  return `${task.model} (${size})`;
}

/** The federation's differential-privacy guarantee in words (issue 19), or null without one. */
export function describePrivacy(task: Pick<FederationPlan, 'privacy'>): string | null {
  const p = task.privacy;
  if (!p) return null;
  const eps = p.plannedEpsilon < 10 ? p.plannedEpsilon.toFixed(2) : p.plannedEpsilon.toFixed(1);
  const stop = p.targetEpsilon !== null ? ` Training stops before it would go past ε = ${p.targetEpsilon}.` : '';
  return `Differential privacy: every clinic's influence on each shared model is limited and random noise is added (noise multiplier ${p.noiseMultiplier}), so that the shared models reveal little about whether this clinic took part: ε = ${eps} over the whole study (δ = ${p.delta}; smaller ε is stronger).${stop} It protects what is shared with the clinics, not what the study server sees.`;
}
