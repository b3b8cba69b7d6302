// "What leaves this workstation", in plain words for a clinic (issue 19, item 3; the full field
// list with protections is docs/WHAT-LEAVES-A-SITE.md, built from the wire contract).
import type { ReactNode } from 'react';
import { formatEpsilon, type ConnectionStatus, type FederationPlan } from '../../../../shared/api';

interface Row {
  what: string;
  when: string;
  learns: string;
  /** Which of the federation's protections covers it, in words. */
  protection: string;
}

type Protections = Pick<FederationPlan, 'secureAggregation' | 'privacy' | 'aggregation'>;

const NOT_MASKED = 'Not masked: it goes to the server as it is, even with secure aggregation, and differential privacy does not cover it.';

function updateRows(p: Protections): Row[] {
  const secure = p.secureAggregation !== undefined;
  const dp = p.privacy ? ` Differential privacy: the update is clipped and ${secure ? 'this clinic adds its share of the noise' : 'the server adds noise to the sum'}, so every shared model carries ε = ${formatEpsilon(p.privacy.plannedEpsilon)} over the study.` : '';
  const rows: Row[] = [
    secure
      ? {
          what: 'Model update, masked (secure aggregation), with its weight inside; two public keys and key shares sealed to the other clinics',
          when: 'every training round',
          learns: 'only the sum of all clinics’ updates of the round, and which clinics took part; not this clinic’s update or label count',
          protection: `Secure aggregation: on its own the masked update looks like random numbers.${dp}`,
        }
      : {
          what: 'Model update (the trained weights) and how many labeled images trained it',
          when: 'every training round',
          learns: 'this clinic’s model update and label count; updates like these can leak information about the training images, most for a clinic with few images',
          protection: `Encrypted in transit only (https).${dp || ' No secure aggregation or differential privacy in this study.'}`,
        },
  ];
  if (p.aggregation === 'scaffold') {
    rows.push({
      what: 'SCAFFOLD’s control delta (how this clinic’s training drifted from the shared model)',
      when: 'every training round',
      learns: secure ? 'only its sum over the clinics of the round' : 'this clinic’s drift, as revealing as the update itself',
      protection: secure ? 'Secure aggregation: it travels inside the masked update.' : 'Encrypted in transit only (https).',
    });
  }
  return rows;
}

/** Everything a federated client sends; images, labels, file names, class counts and names never leave. */
export function federatedRows(p: Protections): readonly Row[] {
  return [...updateRows(p), ...OTHER_ROWS];
}

const OTHER_ROWS: readonly Row[] = [
  { what: 'One balance figure (gamma_k, a number between 0 and 1), unless withheld below', when: 'once, at the first query', learns: 'a coarse hint of how evenly the shared model treats this clinic’s classes (withheld: only that it was withheld)', protection: NOT_MASKED },
  { what: 'This clinic’s accuracy on its held-out images, only if shared below (off by default)', when: 'after each training round, if shared', learns: 'how well the shared model does at this clinic', protection: NOT_MASKED },
  { what: '“Labeling done” for the cycle', when: 'after each labeling round', learns: 'that this clinic finished labeling', protection: 'Encrypted in transit only (https).' },
  { what: 'The enrolment code and the display name you chose', when: 'once, when joining', learns: 'that this workstation takes part, under that name', protection: 'Encrypted in transit only (https).' },
];

/** `choices`: the clinic's allow-list of optional reports, shown in federated mode. */
export function WhatLeavesPanel({ conn, choices }: { conn: ConnectionStatus | null; choices?: ReactNode }) {
  return (
    <section className="card" aria-labelledby="s-leaves" data-testid="what-leaves">
      <h2 id="s-leaves" className="card-title">What leaves this workstation</h2>
      {conn?.mode === 'standalone' ? (
        <p>Nothing. In standalone mode the study’s coordinator runs inside this app: images, labels and models stay on this workstation.</p>
      ) : conn?.mode === 'federated' ? (
        <>
          <p>
            Images, labels, file names, per-class counts and annotators’ names never leave this workstation. The federation server at{' '}
            <span className="mono">{conn.serverUrl}</span> receives only:
          </p>
          <dl className="facts compact">
            {federatedRows(conn.task ?? {}).map((r) => (
              <div key={r.what} style={{ display: 'contents' }}>
                <dt>{r.when}</dt>
                <dd>
                  <strong>{r.what}</strong>
                  <div className="muted small">What the server can learn: {r.learns}.</div>
                  <div className="muted small">Protection: {r.protection}</div>
                </dd>
              </div>
            ))}
          </dl>
          {choices}
          <p className="muted small">Every request travels over the connection shown above (TLS when the address starts with https://).</p>
        </>
      ) : (
        <p className="muted">Nothing yet: this workstation has not joined a study.</p>
      )}
    </section>
  );
}
