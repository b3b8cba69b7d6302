import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiProvider } from './api/ApiContext';
import { connectToHost } from './api/connection';
import { App } from './App';
import './styles/app.css';

const connection = connectToHost();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ApiProvider connection={connection}>
      <App />
    </ApiProvider>
  </StrictMode>,
);
