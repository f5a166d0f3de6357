// Prints N signed trigger requests for app `app-id` (key `app-key`), one
// `<path?query> <body>` per line, each body different, all signed now.
import crypto from 'node:crypto';
const n = Number(process.argv[2] || 100000);
const secret = process.env.APP_SECRET;
const path = '/apps/app-id/events';
const ts = String(Math.floor(Date.now() / 1000));
const out = [];
for (let i = 0; i < n; i++) {
  const body = JSON.stringify({ name: 'load', channel: `load-${i}`, data: '{}' });
  const params = { auth_key: 'app-key', auth_timestamp: ts, auth_version: '1.0', body_md5: crypto.createHash('md5').update(body).digest('hex') };
  const query = Object.keys(params).sort().map((k) => `${k}=${params[k]}`).join('&');
  const sig = crypto.createHmac('sha256', secret).update(`POST\n${path}\n${query}`).digest('hex');
  out.push(`${path}?${query}&auth_signature=${sig} ${body}`);
}
process.stdout.write(out.join('\n') + '\n');
