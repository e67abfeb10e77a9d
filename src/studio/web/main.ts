/**
 * The studio's page (docs/studio.md): Preact components written with htm's tagged templates, so
 * that every string from the server lands in a text node or an attribute, escaped by Preact (there
 * is no innerHTML here). It reads `/api/view`, follows `/api/events` (server-sent events) to re-read
 * it when the target changes, and posts *Mark done* to `/api/done`.
 */
import { html, render } from 'htm/preact';
import type { VNode } from 'preact';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import type { ConnectionView, ConnectorView, Mark, Refusal, Revocation, RolloutView, Segment, StepView, View } from '../api.js';
import type { GraphLayout } from '../../render/graph.js';

type Status = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ready'; view: View };

async function readView(): Promise<View> {
  const res = await fetch('/api/view', { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(((await res.json()) as Refusal).error);
  return (await res.json()) as View;
}

function App(): VNode {
  const [status, setStatus] = useState<Status>({ kind: 'loading' });
  const [live, setLive] = useState(false);
  const [open, setOpen] = useState<string | null>(() => linkFromHash());
  const refresh = useCallback(() => {
    readView()
      .then((view) => setStatus({ kind: 'ready', view }))
      .catch((error: unknown) => setStatus({ kind: 'error', message: error instanceof Error ? error.message : String(error) }));
  }, []);

  useEffect(() => {
    const events = new EventSource('/api/events');
    // On (re)connecting, read the view again: a change made while the stream was down is not missed.
    events.addEventListener('open', () => {
      setLive(true);
      refresh();
    });
    // Without the stream (a proxy that buffers it, …), the page still loads once.
    events.addEventListener('error', () => {
      setLive(false);
      refresh();
    });
    events.addEventListener('changed', () => refresh());
    const onHash = () => setOpen(linkFromHash());
    window.addEventListener('hashchange', onHash);
    return () => {
      events.close();
      window.removeEventListener('hashchange', onHash);
    };
  }, [refresh]);

  if (status.kind === 'loading')
    return html`<main>
      <h1>connectorops studio</h1>
      <p>Loading…</p>
    </main>`;
  if (status.kind === 'error')
    return html`<main>
      <h1>connectorops studio</h1>
      <p role="alert" class="refusal">${status.message}</p>
    </main>`;
  const { view } = status;
  const connector = open !== null ? view.connectors.find((c) => c.linkName === open) : undefined;
  return html`
    <header class="top">
      <h1>connectorops studio</h1>
      <p class="where">
        Target <strong>${view.target}</strong> (${view.mode}${view.account !== null ? `, account ${view.account}` : ''}) · state serial${' '}<span data-testid="serial"
          >${view.serial}</span
        >
      </p>
      <p class="who">You are <strong data-testid="by">${view.by}</strong>: <em>Mark done</em> records this name.</p>
      <p class="live" aria-live="polite">${live ? 'Live: changes made elsewhere appear here.' : 'Not live: reload to see changes.'}</p>
      <nav aria-label="Sections"><a href="#connectors">Connectors</a> <a href="#plan">Plan</a> <a href="#rollout">Rollout</a> <a href="#log">Log</a></nav>
    </header>
    <main>
      ${connector ? html`<${ConnectorDetail} connector=${connector} />` : html`<${Cards} connectors=${view.connectors} />`}
      <${PlanSection} view=${view} />
      <${RolloutSection} rollout=${view.rollout} onChanged=${refresh} />
      <${LogSection} view=${view} />
    </main>
  `;
}

/** The connector the address names; none for a link cut short or mistyped (`#connector/%E0%`, a percent escape cut short): the cards, as for an unknown one. */
function linkFromHash(): string | null {
  const m = /^#connector\/(.+)$/.exec(window.location.hash);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return null;
  }
}

/** Creator's *Manage Custom Connectors*: cards, with a search by name or link name. */
function Cards({ connectors }: { connectors: ConnectorView[] }): VNode {
  const [query, setQuery] = useState('');
  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    return q ? connectors.filter((c) => c.name.toLowerCase().includes(q) || c.linkName.toLowerCase().includes(q)) : connectors;
  }, [connectors, query]);
  return html`
    <section id="connectors" aria-labelledby="connectors-heading">
      <h2 id="connectors-heading">Custom connectors</h2>
      <label class="search">
        Search
        <input
          type="search"
          placeholder="Name or link name"
          value=${query}
          onInput=${(e: Event) => setQuery((e.target as HTMLInputElement).value)}
          aria-label="Search connectors by name or link name"
        />
      </label>
      <p class="count" aria-live="polite">${shown.length} of ${connectors.length} connectors</p>
      <ul class="cards">
        ${shown.map((c) => html`<li key=${c.linkName}><${Card} connector=${c} /></li>`)}
      </ul>
    </section>
  `;
}

function Card({ connector: c }: { connector: ConnectorView }): VNode {
  // The connector's revocations hold its connections' (view.ts).
  const revokes = c.revoked.length;
  return html`
    <a class=${`card${c.enabled ? '' : ' disabled'}${c.exists ? '' : ' planned'}`} href=${`#connector/${encodeURIComponent(c.linkName)}`} data-testid="card">
      <span class="card-name">${c.name}</span>
      <span class="card-link">${c.linkName}</span>
      <span class="marks"
        >${c.marks.map((m) => html`<span class=${`mark mark-${m.what}`}>${m.what}</span>`)}${
          c.pending.length || c.connections.some((x) => x.pending.length) ? html`<span class="mark mark-rollout">in rollout</span>` : null
        }</span
      >
      ${revokes ? html`<span class="mark mark-revokes">revokes ${revokes} authorization${revokes === 1 ? '' : 's'}</span>` : null}
      <span class="card-foot">
        <span class=${`stage stage-${c.stage}`}>${c.stage === 'ready' ? 'Ready' : 'Draft'}</span>
        <span class="auth">${c.authType}</span>
        ${c.enabled ? null : html`<span class="state">Disabled</span>`}
      </span>
    </a>
  `;
}

function ConnectorDetail({ connector: c }: { connector: ConnectorView }): VNode {
  useEffect(() => document.getElementById('detail-heading')?.focus(), [c.linkName]);
  return html`
    <section id="connectors" class="detail" aria-labelledby="detail-heading">
      <p><a href="#connectors" onClick=${() => (window.location.hash = '')}>← All connectors</a></p>
      <h2 id="detail-heading" tabindex="-1">${c.name} <span class="card-link">${c.linkName}</span></h2>
      <p>
        <span class=${`stage stage-${c.stage}`}>${c.stage === 'ready' ? 'Ready' : 'Draft'}</span> · ${c.authType} · ${c.enabled ? 'Enabled' : 'Disabled'}
        ${c.exists ? null : ' · not on the target yet'}
      </p>
      ${c.description ? html`<p class="description">${c.description}</p>` : null}
      <${Pending} steps=${c.pending} />
      <${Marks} marks=${c.marks} />
      <${Revoked} revoked=${c.revoked} />
      <h3>Parameters</h3>
      <table class="params">
        <thead>
          <tr>
            <th scope="col">Parameter</th>
            <th scope="col">Value</th>
          </tr>
        </thead>
        <tbody>
          ${c.parameters.map(
            (p) =>
              html`<tr key=${p.key}>
                <th scope="row">${p.label}</th>
                <td><${Value} value=${p.value} /></td>
              </tr>`,
          )}
          ${c.secrets.map(
            (s) =>
              html`<tr key=${s.name}>
                <th scope="row">${s.label}</th>
                <td class="secret">secret: ${s.state}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      <h3>Connections (${c.connections.length})</h3>
      ${
        c.connections.length
          ? html`<ul class="connections">
              ${c.connections.map((x) => html`<li key=${x.linkName}><${Connection} connection=${x} /></li>`)}
            </ul>`
          : html`<p>No connection uses this connector.</p>`
      }
    </section>
  `;
}

function Connection({ connection: x }: { connection: ConnectionView }): VNode {
  return html`
    <article class=${`connection${x.enabled ? '' : ' disabled'}`} aria-label=${`Connection ${x.name}`}>
      <h4>${x.name} <span class="card-link">${x.linkName}</span> ${x.enabled ? null : html`<span class="state">Disabled</span>`}</h4>
      <p>Scopes: ${x.scopes.length ? x.scopes.join(', ') : '(none)'}</p>
      <${Pending} steps=${x.pending} />
      <${Marks} marks=${x.marks} />
      <${Revoked} revoked=${x.revoked} />
      <p>
        Authorization:
        ${x.authorizations.map(
          (a, i) =>
            html`<span key=${i} class=${`auth-${a.status}`}
              >${a.environment !== undefined ? `${a.environment}: ` : ''}${a.user !== undefined ? `${a.user}: ` : ''}${a.status === 'authorized' ? `authorized by ${a.account ?? '?'}` : 'not authorized'}</span
            >`,
        )}
      </p>
      ${
        x.usages.length
          ? html`<details>
              <summary>Used in ${x.usages.length} place${x.usages.length === 1 ? '' : 's'}</summary>
              <ul>
                ${x.usages.map((u, i) => html`<li key=${i}>app ${u.app}, ${u.component} (${u.kind})${u.where !== undefined ? html` at <code>${u.where}</code>` : ' (recorded by the target)'}</li>`)}
              </ul>
            </details>`
          : html`<p>No recorded usage.</p>`
      }
    </article>
  `;
}

function Pending({ steps }: { steps: string[] }): VNode | null {
  if (!steps.length) return null;
  return html`<p class="pending">In the open rollout, not done yet: ${steps.join('; ')} (<a href="#rollout">steps</a>)</p>`;
}

function Marks({ marks }: { marks: Mark[] }): VNode | null {
  if (!marks.length) return null;
  return html`<ul class="plan-marks">
    ${marks.map(
      (m, i) =>
        html`<li key=${i} class=${`mark-box mark-${m.what}`}>
          <strong>${m.what}</strong>${m.actions.length ? ` by ${m.actions.join(', ')}` : ''} ${m.rules.map((r) => html` <a href=${r.href}>${r.id}</a>`)}
          ${m.message !== undefined ? html`<span>: ${m.message}</span>` : null} ${m.hint !== undefined ? html`<p>Hint: ${m.hint}</p>` : null}
          ${
            m.changes.length
              ? html`<table class="diff">
                  <thead>
                    <tr>
                      <th scope="col">±</th>
                      <th scope="col">Field</th>
                      <th scope="col">From</th>
                      <th scope="col">To</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${m.changes.map(
                      (c, j) =>
                        html`<tr key=${j}>
                          <td>${c.symbol}</td>
                          <td>${c.path}</td>
                          <td><del>${c.from}</del></td>
                          <td><ins>${c.to}</ins></td>
                        </tr>`,
                    )}
                  </tbody>
                </table>`
              : null
          }
        </li>`,
    )}
  </ul>`;
}

function Revoked({ revoked }: { revoked: Revocation[] }): VNode | null {
  if (!revoked.length) return null;
  return html`<div class="revoked" role="note" aria-label="Authorizations revoked">
    <strong>⚠ ${revoked.length === 1 ? '1 authorization will be revoked' : `${revoked.length} authorizations will be revoked`}</strong>
    <ul>
      ${revoked.map((r, i) => html`<li key=${i}>${r.connection}: ${r.account} (${r.cause}) <a href=${r.rule.href}>${r.rule.id}</a></li>`)}
    </ul>
  </div>`;
}

function Value({ value }: { value: string }): VNode {
  const [copied, setCopied] = useState(false);
  const copy = () => {
    navigator.clipboard.writeText(value).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  };
  return html`<span class="value"
    ><code>${value}</code> <button type="button" class="copy" onClick=${copy} aria-label=${`Copy ${value}`}>Copy</button
    ><span class="copied" role="status">${copied ? 'Copied' : ''}</span></span
  >`;
}

function PlanSection({ view }: { view: View }): VNode {
  const plan = view.plan;
  return html`
    <section id="plan" aria-labelledby="plan-heading">
      <h2 id="plan-heading">What Git wants: the current plan</h2>
      ${view.planError !== null ? html`<p class="refusal" role="alert">No plan: ${view.planError}</p>` : null}
      ${
        plan
          ? html`
              <p class="summary">${plan.actions.length || plan.blocked.length ? plan.summary : 'No changes: the target matches the manifests.'}</p>
              <${Revoked} revoked=${plan.revoked} />
              ${
                plan.blocked.length
                  ? html`<div class="blocked">
                      <strong>Blocked: apply carries out none of this plan until these are resolved.</strong>
                      <ul>
                        ${plan.blocked.map((b, i) => html`<li key=${i}>${b.kind.toLowerCase()} ${b.linkName}: <a href=${b.rule.href}>${b.rule.id}</a> ${b.message}${b.hint !== undefined ? ` (${b.hint})` : ''}</li>`)}
                      </ul>
                    </div>`
                  : null
              }
              ${plan.warnings.map((w, i) => html`<p key=${i} class="warning">${w}</p>`)}
              ${plan.actions.length ? html`<${Graph} layout=${plan.graph} label=${`Dependency graph of the plan's ${plan.actions.length} actions`} />` : null}
            `
          : null
      }
    </section>
  `;
}

const TONES: Record<string, string> = { create: 'Create', update: 'Change', delete: 'Delete', replace: 'Replace', authorize: 'Authorize', done: 'Done' };

/** The layered layout drawn as SVG; each node names itself (a title) for screen readers and tooltips. */
function Graph({ layout, label }: { layout: GraphLayout; label: string }): VNode {
  const short = (s: string) => (s.length > 42 ? `${s.slice(0, 41)}…` : s);
  return html`
    <div class="graph" tabindex="0" role="region" aria-label=${label}>
      <svg width=${layout.width} height=${layout.height} viewBox=${`0 0 ${layout.width} ${layout.height}`} role="img" aria-label=${label}>
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead" />
          </marker>
        </defs>
        ${layout.edges.map((e) => html`<path key=${`${e.from}-${e.to}`} d=${e.path} class="edge" marker-end="url(#arrow)" />`)}
        ${layout.nodes.map(
          (n) =>
            html`<g key=${n.id} class=${`node tone-${n.tone}`} transform=${`translate(${n.x},${n.y})`}>
              <title>${`${n.id}. ${n.label} (${TONES[n.tone] ?? n.tone})`}</title>
              <rect width=${layout.nodeWidth} height=${layout.nodeHeight} rx="6" />
              <text x="8" y=${layout.nodeHeight / 2 + 4}>${short(`${n.id} ${n.label}`)}</text>
            </g>`,
        )}
      </svg>
    </div>
  `;
}

function RolloutSection({ rollout, onChanged }: { rollout: RolloutView | null; onChanged: () => void }): VNode {
  if (!rollout) {
    return html`<section id="rollout" aria-labelledby="rollout-heading">
      <h2 id="rollout-heading">Rollout</h2>
      <p>No open rollout on this target.</p>
    </section>`;
  }
  return html`
    <section id="rollout" aria-labelledby="rollout-heading">
      <h2 id="rollout-heading">Rollout ${rollout.id}</h2>
      <p>
        <span data-testid="progress">${rollout.done} of ${rollout.total} steps done</span>
        ${rollout.openedBy !== undefined ? ` · opened by ${rollout.openedBy} at ${rollout.openedAt ?? ''}` : ''}
      </p>
      <ol class="steps">
        ${rollout.steps.map((s) => html`<li key=${s.id}><${Step} step=${s} onChanged=${onChanged} /></li>`)}
      </ol>
      <${Graph} layout=${rollout.graph} label=${`Dependency graph of rollout ${rollout.id}'s ${rollout.total} steps`} />
    </section>
  `;
}

function Step({ step, onChanged }: { step: StepView; onChanged: () => void }): VNode {
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [busy, setBusy] = useState(false);
  const markDone = async () => {
    setBusy(true);
    setRefusal(null);
    try {
      const res = await fetch('/api/done', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ step: step.id }) });
      if (!res.ok) setRefusal((await res.json()) as Refusal);
      onChanged();
    } catch (error) {
      setRefusal({ error: error instanceof Error ? error.message : String(error) });
    } finally {
      setBusy(false);
    }
  };
  return html`
    <article class=${`step step-${step.state}`} aria-label=${`Step ${step.id}: ${step.title}`} data-step=${step.id}>
      <h3><span class="step-id">${step.id}</span> ${step.title}</h3>
      <p class="step-state">
        ${
          step.state === 'done'
            ? `✓ Done by ${step.by ?? '?'} at ${step.at ?? '?'}${step.note !== undefined ? ` (${step.note})` : ''}`
            : step.state === 'ready'
              ? '→ Ready now'
              : `· Waiting on ${step.on.join(', ')}`
        }
      </p>
      ${
        step.state === 'ready'
          ? html`
              <div class="instructions">${step.instructions.map((line, i) => html`<p key=${i}>${line.map((s) => html`<${Piece} segment=${s} />`)}</p>`)}</div>
              <button type="button" class="done" onClick=${() => void markDone()} disabled=${busy} aria-label=${`Mark done: step ${step.id}`}>Mark done</button>
            `
          : null
      }
      ${
        refusal
          ? html`<div class="refusal" role="alert">
              <strong>Refused:</strong> ${refusal.error} ${refusal.rule ? html`<a href=${refusal.rule.href}>${refusal.rule.id}</a>` : null}
              ${refusal.hint !== undefined ? html`<p>Hint: ${refusal.hint}</p>` : null}
            </div>`
          : null
      }
    </article>
  `;
}

function Piece({ segment }: { segment: Segment }): VNode {
  return 'value' in segment ? html`<${Value} value=${segment.value} />` : html`<span>${segment.text}</span>`;
}

function LogSection({ view }: { view: View }): VNode {
  return html`
    <section id="log" aria-labelledby="log-heading">
      <h2 id="log-heading">Log, newest first</h2>
      ${
        view.log.length
          ? html`<ol class="log">
              ${view.log.map((e, i) => html`<li key=${i}><time>${e.at}</time> <strong>${e.by}</strong> ${e.text}</li>`)}
            </ol>`
          : html`<p>No rollout on this target yet.</p>`
      }
    </section>
  `;
}

const root = document.getElementById('app')!;
root.textContent = '';
render(html`<${App} />`, root);
