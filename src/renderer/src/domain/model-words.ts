// What the study's model is, in words a clinician reads in Settings (issue 16).
import { formatEpsilon, type FederationPlan } from '../../../shared/api';

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

/** The federation's protections in words (issue 19): one paragraph per protection; null without any. */
export function describePrivacy(task: Pick<FederationPlan, 'privacy' | 'secureAggregation'>): string[] | null {
  const parts: string[] = [];
  const sa = task.secureAggregation;
  if (sa) {
    parts.push(
      `Secure aggregation: this clinic's model update leaves the workstation masked, and the masks cancel only when all the clinics' updates of a round are added up. The study server learns each round's sum, never this clinic's update or how many images it labeled. A round counts only if at least ${Math.round(sa.survivorFraction * 100)}% of its clinics, and never fewer than 3, stay until the end.`,
    );
  }
  const p = task.privacy;
  if (p) {
    const eps = formatEpsilon(p.plannedEpsilon);
    const stop = p.targetEpsilon !== null ? ` Training stops before it would go past ε = ${p.targetEpsilon}.` : '';
    const strength = p.plannedEpsilon <= 1 ? ' This is a strong guarantee.' : p.plannedEpsilon <= 10 ? ' This is a moderate guarantee.' : ' With ε above 10 the guarantee is weak: it limits little of what the models could reveal.';
    const where = sa ? ' Each clinic adds its share of the noise before its update leaves.' : ' It protects what is shared with the clinics, not what the study server sees.';
    parts.push(
      `Differential privacy: every clinic's influence on each shared model is limited${p.adaptiveClipping ? ' (the limit adapts to the clinics’ typical update)' : ''} and random noise is added (noise multiplier ${p.noiseMultiplier}), so that the shared models reveal little about whether this clinic took part: ε = ${eps} over the whole study (δ = ${p.delta}; smaller ε is stronger).${strength}${stop}${where}`,
    );
  }
  return parts.length > 0 ? parts : null;
}
