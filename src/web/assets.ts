/**
 * The pages' one style sheet and one small script, served from /app/assets with a long cache lifetime (their
 * address carries a digest of their content). Every flow works without the script: it only checks a file's
 * size before it is sent and asks for a confirmation that the form also requires.
 */
import { createHash } from 'node:crypto';

export const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1b1f23;background:#f4f6f4}
a{color:#0b5c2e}
a:focus,button:focus,input:focus,select:focus,textarea:focus{outline:3px solid #f0b400;outline-offset:1px}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:8px;z-index:9}
header{background:#0b5c2e;color:#fff;padding:8px 12px;display:flex;flex-wrap:wrap;gap:6px 16px;align-items:center}
header a,header button{color:#fff}
header .brand{font-weight:700;text-decoration:none;margin-right:auto}
header .who{font-size:.9em}
header form{display:inline;margin:0}
header button{background:none;border:1px solid #fff;border-radius:4px;padding:3px 8px;font:inherit;cursor:pointer}
nav{background:#e3ece5;padding:6px 12px;display:flex;gap:16px;flex-wrap:wrap}
.count{display:inline-block;min-width:1.6em;padding:0 .4em;border-radius:1em;background:#c62828;color:#fff;text-align:center;font-size:.85em}
.count.zero{background:#5f6b62}
main{max-width:960px;margin:0 auto;padding:12px}
h1{font-size:1.35em;margin:.4em 0 .6em}h2{font-size:1.15em;margin:1.2em 0 .5em}
section,.card{background:#fff;border:1px solid #d5dcd6;border-radius:6px;padding:12px;margin:0 0 12px}
section.narrow{max-width:28em;margin:24px auto}
.alert{border-left:5px solid #c62828;background:#fdecea;padding:10px 12px;margin:0 0 12px;border-radius:4px}
.notice{border-left:5px solid #2e7d32;background:#e8f5e9;padding:10px 12px;margin:0 0 12px;border-radius:4px}
.field-error{color:#b71c1c;font-weight:600;display:block;margin:2px 0}
label{display:block;font-weight:600;margin:8px 0 2px}
label.inline{display:inline;font-weight:400;margin:0 12px 0 4px}
input[type=text],input[type=password],input[type=number],input[type=date],select,textarea{width:100%;max-width:32em;padding:8px;font:inherit;border:1px solid #8a968c;border-radius:4px;background:#fff}
textarea{min-height:3.2em}
button,.button{display:inline-block;background:#0b5c2e;color:#fff;border:0;border-radius:4px;padding:9px 14px;font:inherit;cursor:pointer;margin-top:8px;text-decoration:none}
button.secondary{background:#fff;color:#0b5c2e;border:1px solid #0b5c2e}
button.danger{background:#b71c1c}
ul.tasks{list-style:none;padding:0;margin:0}
ul.tasks li{background:#fff;border:1px solid #d5dcd6;border-radius:6px;padding:10px 12px;margin:0 0 8px}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:.85em;background:#e3ece5}
.badge.late{background:#c62828;color:#fff}
.badge.ok{background:#2e7d32;color:#fff}
.muted{color:#4f5a52;font-size:.92em}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:6px;border-bottom:1px solid #e1e6e2;vertical-align:top}
.strip{display:inline-flex;gap:2px;flex-wrap:wrap}
.strip span{width:12px;height:16px;border-radius:2px;background:#cfd6d0;display:inline-block}
.strip span.m{background:#2e7d32}
ol.steps{display:flex;flex-wrap:wrap;gap:4px;list-style:none;padding:0;margin:0 0 8px;counter-reset:s}
ol.steps li{flex:1 1 7em;padding:6px;border-radius:4px;background:#e3ece5;font-size:.9em;text-align:center}
ol.steps li.done{background:#c8e6c9}
ol.steps li.current{background:#0b5c2e;color:#fff;font-weight:700}
fieldset{border:1px solid #d5dcd6;border-radius:6px;margin:0 0 10px;padding:8px 10px}
fieldset.sent-back{border-color:#c62828;background:#fff8f7}
legend{font-weight:700;padding:0 4px}
.choice{display:inline-block;white-space:nowrap}
.actions form{border-top:1px solid #e1e6e2;padding-top:8px;margin-top:8px}
ol.timeline{list-style:none;padding:0;margin:0}
ol.timeline li{border-left:3px solid #0b5c2e;padding:4px 10px;margin:0 0 8px}
@media (max-width:600px){body{font-size:15px}main{padding:8px}th,td{padding:4px}.wide{display:none}}
`;

export const SCRIPT = `
document.addEventListener('change', function (e) {
  var input = e.target;
  if (!input || input.type !== 'file' || !input.files || !input.files[0]) return;
  var max = Number(input.getAttribute('data-max-bytes'));
  var out = document.getElementById(input.getAttribute('aria-describedby') || '');
  var tooBig = max && input.files[0].size > max;
  input.setCustomValidity(tooBig ? (input.getAttribute('data-too-large') || 'too large') : '');
  if (out) out.textContent = tooBig ? input.getAttribute('data-too-large') : '';
});
`;

const tag = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);
export const STYLE_PATH = `/app/assets/app.${tag(STYLE)}.css`;
export const SCRIPT_PATH = `/app/assets/app.${tag(SCRIPT)}.js`;
