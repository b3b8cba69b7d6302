// "What leaves this workstation", in plain words for a clinic (issue 19, item 3; the full field
// list with protections is docs/WHAT-LEAVES-A-SITE.md, built from the wire contract).
import type { ReactNode } from 'react';
import type { ConnectionStatus } from '../../../../shared/api';

interface Row {
  what: string;
  when: string;
  learns: string;
}

const PLAIN_UPDATE: Row = { what: 'Model update (the trained weights) and how many labeled images trained it', when: 'every training round', learns: 'this clinic’s model update and label count; updates like these can leak information about the training images, most for a clinic with few images' };
const SECURE_UPDATE: Row = {
  what: 'Model update, masked (secure aggregation), with its weight inside; two public keys and key shares sealed to the other clinics',
  when: 'every training round',
  learns: 'only the sum of all clinics’ updates of the round, and which clinics took part; not this clinic’s update or label count',
};

/** Everything a federated client sends; images, labels, file names, class counts and names never leave. */
export function federatedRows(secureAggregation: boolean): readonly Row[] {
  return [secureAggregation ? SECURE_UPDATE : PLAIN_UPDATE, ...OTHER_ROWS];
}

const OTHER_ROWS: readonly Row[] = [
  { what: 'One balance figure (gamma_k, a number between 0 and 1), unless withheld below', when: 'once, at the first query', learns: 'a coarse hint of how evenly the shared model treats this clinic’s classes (withheld: only that it was withheld)' },
  { what: '“Labeling done” for the cycle', when: 'after each labeling round', learns: 'that this clinic finished labeling' },
  { what: 'The enrolment code and the display name you chose', when: 'once, when joining', learns: 'that this workstation takes part, under that name' },
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
            {federatedRows(conn.task?.secureAggregation !== undefined).map((r) => (
              <div key={r.what} style={{ display: 'contents' }}>
                <dt>{r.when}</dt>
                <dd>
                  <strong>{r.what}</strong>
                  <div className="muted small">What the server can learn: {r.learns}.</div>
                </dd>
              </div>
            ))}
          </dl>
          {choices}
          <p className="muted small">Every request travels over the connection shown above (TLS when the address starts with https://). This clinic’s accuracy figures are sent only if shared above.</p>
        </>
      ) : (
        <p className="muted">Nothing yet: this workstation has not joined a study.</p>
      )}
    </section>
  );
}
