// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionStatus } from '../../../../shared/api';
import { FEDERATED_ROWS, WhatLeavesPanel } from './WhatLeavesPanel';

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
    for (const r of FEDERATED_ROWS) expect(panel.textContent).toContain(r.what);
  });

  it('standalone: nothing leaves', () => {
    render(<WhatLeavesPanel conn={conn('standalone')} />);
    expect(screen.getByTestId('what-leaves').textContent).toContain('Nothing. In standalone mode');
  });
});
