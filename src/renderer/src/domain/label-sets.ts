// Label-set presets offered on first run when a clinic works standalone. In a federation the
// server's config decides the classes; these only seed a standalone workspace.
export interface LabelClass {
  /** Short code as used in the dataset (e.g. HAM10000 `dx`). */
  code: string;
  /** What a clinician reads. */
  name: string;
  /** Fits on a button. */
  short?: string;
}

export interface LabelSet {
  id: string;
  title: string;
  description: string;
  classes: LabelClass[];
}

export const HAM10000_LABEL_SET: LabelSet = {
  id: 'ham10000',
  title: 'Dermoscopy — HAM10000 (7 classes)',
  description: 'Pigmented skin lesions as in the HAM10000 / ISIC 2018 dataset.',
  classes: [
    { code: 'akiec', name: 'Actinic keratosis / intraepithelial carcinoma', short: 'Actinic keratosis' },
    { code: 'bcc', name: 'Basal cell carcinoma' },
    { code: 'bkl', name: 'Benign keratosis-like lesion', short: 'Benign keratosis' },
    { code: 'df', name: 'Dermatofibroma' },
    { code: 'mel', name: 'Melanoma' },
    { code: 'nv', name: 'Melanocytic nevus' },
    { code: 'vasc', name: 'Vascular lesion' },
  ],
};

export const FUNDUS_LABEL_SET: LabelSet = {
  id: 'fundus-odir',
  title: 'Fundus photography — ODIR (7 classes)',
  description: 'Single-diagnosis colour fundus photographs as in ODIR-5K.',
  classes: [
    { code: 'normal', name: 'Normal' },
    { code: 'dr', name: 'Diabetic retinopathy', short: 'Diabetic ret.' },
    { code: 'glaucoma', name: 'Glaucoma' },
    { code: 'cataract', name: 'Cataract' },
    { code: 'amd', name: 'Age-related macular degeneration', short: 'AMD' },
    { code: 'hypertensive', name: 'Hypertensive retinopathy', short: 'Hypertensive ret.' },
    { code: 'myopia', name: 'Pathological myopia', short: 'Path. myopia' },
  ],
};

export const LABEL_SET_PRESETS: readonly LabelSet[] = [HAM10000_LABEL_SET, FUNDUS_LABEL_SET];

export function classCode(set: LabelSet, index: number): string {
  return set.classes[index]?.code ?? `class ${index}`;
}

export function className(set: LabelSet, index: number): string {
  return set.classes[index]?.name ?? `Class ${index}`;
}
