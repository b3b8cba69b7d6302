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
    for (const r of federatedRows(false)) expect(panel.textContent).toContain(r.what);
    expect(panel.textContent).toContain('this clinic’s model update and label count');
  });

  it('federated with secure aggregation: the update is masked, the server learns only the sum', () => {
    const task = { name: 'study', classNames: ['a', 'b'], model: 'cnn4conv', inputShape: [28, 28, 3], strategy: 'fairfal', cycles: 2, roundsPerCycle: 2, localEpochs: 1, budgetPerCycle: 10, secureAggregation: { survivorFraction: 0.67 } };
    render(<WhatLeavesPanel conn={{ ...conn('federated'), task } as ConnectionStatus} />);
    const panel = screen.getByTestId('what-leaves');
    expect(panel.textContent).toContain('Model update, masked (secure aggregation)');
    expect(panel.textContent).toContain('only the sum of all clinics’ updates of the round');
    expect(panel.textContent).not.toContain('this clinic’s model update and label count');
  });

  it('standalone: nothing leaves', () => {
    render(<WhatLeavesPanel conn={conn('standalone')} />);
    expect(screen.getByTestId('what-leaves').textContent).toContain('Nothing. In standalone mode');
  });
});
