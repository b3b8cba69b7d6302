import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiProvider } from './api/ApiContext';
import { connectToHost } from './api/connection';
import { App } from './App';
import { AnnotatorDb } from './db/database';
import { WorkspaceProvider } from './workspace/WorkspaceContext';
import './styles/app.css';

const connection = connectToHost();
const db = new AnnotatorDb();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ApiProvider connection={connection}>
      <WorkspaceProvider db={db}>
        <App />
      </WorkspaceProvider>
    </ApiProvider>
  </StrictMode>,
);
