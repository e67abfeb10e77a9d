/**
 * docs/rules.md as a page the studio serves, so that a rule's link (`/docs/rules.md#r14`) opens
 * on this machine: each `### R14: …` heading becomes an anchored heading, the text under it is
 * shown as written. Every character of the file is escaped: nothing in it becomes markup.
 */

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function renderRulesPage(markdown: string): string {
  const parts: string[] = [];
  let body: string[] = [];
  const flush = () => {
    const text = body.join('\n').trim();
    if (text) parts.push(`<pre>${escapeHtml(text)}</pre>`);
    body = [];
  };
  for (const line of markdown.split('\n')) {
    const heading = /^(#{1,3}) (.*)$/.exec(line);
    if (!heading) {
      body.push(line);
      continue;
    }
    flush();
    const level = heading[1]!.length;
    const text = heading[2]!;
    const id = /^([A-Z]\d+[a-z]?):/.exec(text)?.[1]?.toLowerCase();
    parts.push(`<h${level}${id ? ` id="${id}"` : ''}>${escapeHtml(text)}</h${level}>`);
  }
  flush();
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>connectorops: the rules</title><link rel="stylesheet" href="/app.css"></head>
<body class="rules"><main>
<p><a href="/">Back to the studio</a></p>
${parts.join('\n')}
</main></body>
</html>
`;
}
