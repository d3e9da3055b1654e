import { signal } from '@preact/signals';
import { render } from 'preact';

const status = signal('checking…');

function Health() {
  return <p>Server status: {status.value}</p>;
}

fetch('/healthz')
  .then((response) => (response.ok ? 'ok' : `unavailable (${response.status})`))
  .then((text) => {
    status.value = text;
  })
  .catch(() => {
    status.value = 'unreachable';
  });

const app = document.getElementById('app');
if (app) {
  const slot = document.createElement('div');
  app.append(slot);
  render(<Health />, slot);
}
