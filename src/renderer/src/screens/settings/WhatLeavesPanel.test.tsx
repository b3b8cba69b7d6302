// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionStatus } from '../../../../shared/api';
import { federatedRows, WhatLeavesPanel } from './WhatLeavesPanel';

afterEach(cleanup);

const conn = (mode: ConnectionStatus['mode']): ConnectionStatus => ({
  state: mode === 'standalone' ? 'standalone' : 'online', mode, serverUrl: mode === 'federated' ? 'https://fed.example.org' : null, clientId: null, displayName: null,
  task: null, lastContactAt: null, lastError: null, outboxPending: 0, secretStore: 'file-0600', certificatePin: null, transportWarning: null,
});

describe('what leaves this workstation', () => {
  it('federated: names the server and every kind of report, and what never leaves', () => {
    render(<WhatLeavesPanel conn={conn('federated')} />);
    const panel = screen.getByTestId('what-leaves');
    expect(panel.textContent).toContain('https://fed.example.org');
    expect(panel.textContent).toContain('Images, labels, file names, per-class counts and annotators’ names never leave');
    for (const r of federatedRows({})) expect(panel.textContent).toContain(r.what);
    expect(panel.textContent).toContain('This clinic’s accuracy on its held-out images, only if shared below');
    expect(panel.textContent).toContain('Protection: Encrypted in transit only (https). No secure aggregation or differential privacy in this study.');
    expect(panel.textContent).not.toContain('control delta');
    expect(panel.textContent).toContain('this clinic’s model update and label count');
  });

  it('federated with secure aggregation: the update is masked, the server learns only the sum', () => {
    const task = { name: 'study', classNames: ['a', 'b'], model: 'cnn4conv', inputShape: [28, 28, 3], strategy: 'fairfal', cycles: 2, roundsPerCycle: 2, localEpochs: 1, budgetPerCycle: 10, secureAggregation: { survivorFraction: 0.67 } };
    render(<WhatLeavesPanel conn={{ ...conn('federated'), task } as ConnectionStatus} />);
    const panel = screen.getByTestId('what-leaves');
    expect(panel.textContent).toContain('Model update, masked (secure aggregation)');
    expect(panel.textContent).toContain('only the sum of all clinics’ updates of the round');
    expect(panel.textContent).not.toContain('this clinic’s model update and label count');
    // gamma_k and the metrics are not masked: the panel says so rather than implying they are.
    expect(panel.textContent!.match(/Not masked: it goes to the server as it is, even with secure aggregation/g)).toHaveLength(2);
  });

  it('SCAFFOLD with secure aggregation and differential privacy: the control delta rides in the masked update, epsilon is named', () => {
    const task = {
      name: 'study', classNames: ['a', 'b'], model: 'cnn4conv', inputShape: [28, 28, 3], strategy: 'fairfal', cycles: 2, roundsPerCycle: 2, localEpochs: 1, budgetPerCycle: 10,
      aggregation: 'scaffold', secureAggregation: { survivorFraction: 0.67 }, privacy: { noiseMultiplier: 1, delta: 1e-5, plannedEpsilon: 42.31, targetEpsilon: null },
    };
    render(<WhatLeavesPanel conn={{ ...conn('federated'), task } as ConnectionStatus} />);
    const text = screen.getByTestId('what-leaves').textContent!;
    expect(text).toContain('SCAFFOLD’s control delta');
    expect(text).toContain('Secure aggregation: it travels inside the masked update.');
    expect(text).toContain('this clinic adds its share of the noise, so every shared model carries ε = 42.3 over the study.');
  });

  it('standalone: nothing leaves', () => {
    render(<WhatLeavesPanel conn={conn('standalone')} />);
    expect(screen.getByTestId('what-leaves').textContent).toContain('Nothing. In standalone mode');
  });
});
