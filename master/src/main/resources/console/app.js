// The Baetyl console: a page per hash route (#/overview, #/service/NAME, #/hub, #/functions, #/ota), drawn from the
// master's /api/ JSON. Everything shown comes from the device, so it is put in the page as text, never as HTML.
'use strict';
(() => {
  const $ = id => document.getElementById(id);
  let me = null;          // {name, kind, restart: [...], update, csrf}
  let timers = [];        // polls of the page shown; cleared when the page changes
  let rates = [];         // chart points kept by the page

  // ---- helpers ----

  function el(tag, attrs, ...children) {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') n.className = v;
      else if (k === 'onclick') n.addEventListener('click', v);
      else if (k.startsWith('data-') || k === 'id' || k === 'href' || k === 'type' || k === 'title' || k === 'for') {
        n.setAttribute(k, v === true ? '' : String(v));
      } else n[k] = v;
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined) continue;
      n.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return n;
  }

  function bytes(n) {
    if (n === null || n === undefined) return '–';
    const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return (i === 0 ? n : n.toFixed(1)) + ' ' + u[i];
  }

  function pct(n) {
    return n === null || n === undefined ? '–' : n.toFixed(1) + ' %';
  }

  function since(iso) {
    if (!iso) return '–';
    const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    if (s < 120) return s + ' s';
    if (s < 7200) return Math.round(s / 60) + ' min';
    if (s < 172800) return Math.round(s / 3600) + ' h';
    return Math.round(s / 86400) + ' d';
  }

  function flash(text, kind) {
    const f = $('flash');
    f.textContent = text;
    f.className = kind || 'info';
    f.hidden = false;
    clearTimeout(flash.timer);
    flash.timer = setTimeout(() => { f.hidden = true; }, kind === 'error' ? 15000 : 6000);
  }

  async function api(path, options) {
    const opts = Object.assign({credentials: 'same-origin', headers: {}}, options || {});
    if (opts.method === 'POST' && me) opts.headers['X-CSRF-Token'] = me.csrf;
    const res = await fetch('api/' + path, opts);
    let body = null;
    try { body = await res.json(); } catch (e) { body = {error: res.statusText}; }
    if (res.status === 401 && path !== 'login') {
      showLogin(body.error);
      throw new Error(body.error || 'not logged in');
    }
    if (!res.ok) {
      const err = new Error(body.error || res.statusText);
      err.status = res.status;
      throw err;
    }
    return body;
  }

  function confirmAction(text) {
    return new Promise(resolve => {
      $('confirm-text').textContent = text;
      $('confirm').hidden = false;
      const done = ok => {
        $('confirm').hidden = true;
        $('confirm-ok').onclick = null;
        $('confirm-cancel').onclick = null;
        resolve(ok);
      };
      $('confirm-ok').onclick = () => done(true);
      $('confirm-cancel').onclick = () => done(false);
      $('confirm-ok').focus();
    });
  }

  function every(ms, fn) {
    fn();
    timers.push(setInterval(fn, ms));
  }

  function stopTimers() {
    timers.forEach(clearInterval);
    timers = [];
  }

  function mayRestart(service) {
    return me && (me.restart.includes('*') || me.restart.includes(service));
  }

  // ---- login ----

  function showLogin(message) {
    stopTimers();
    me = null;
    $('nav').hidden = true;
    $('who').hidden = true;
    $('page').hidden = true;
    $('login').hidden = false;
    const e = $('login-error');
    e.textContent = message && message !== 'not logged in' ? message : '';
    e.hidden = !e.textContent;
  }

  async function login(ev) {
    ev.preventDefault();
    const e = $('login-error');
    e.hidden = true;
    try {
      me = await api('login', {
        method: 'POST',
        headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({username: $('login-username').value, password: $('login-password').value}),
      });
      $('login-password').value = '';
      loggedIn();
    } catch (err) {
      e.textContent = err.status === 401 ? 'Wrong username or password.' : err.message;
      e.hidden = false;
    }
  }

  function loggedIn() {
    $('login').hidden = true;
    $('nav').hidden = false;
    $('who').hidden = false;
    $('who-name').textContent = me.name + (me.kind === 'service' ? ' (service)' : '');
    $('page').hidden = false;
    if (!location.hash || location.hash === '#/' || location.hash === '#') location.hash = '#/overview';
    else route();
  }

  async function logout() {
    try { await api('logout', {method: 'POST'}); } catch (e) { /* logged out anyway */ }
    showLogin();
  }

  // ---- pages ----

  function page(title, ...content) {
    const p = $('page');
    p.textContent = '';
    p.appendChild(el('h1', {}, title));
    content.forEach(c => p.appendChild(c));
    for (const a of document.querySelectorAll('#nav a')) {
      a.classList.toggle('active', location.hash.startsWith(a.getAttribute('href')));
    }
  }

  function table(headers, rows, attrs) {
    return el('div', {class: 'table-wrap'},
      el('table', attrs || {},
        el('thead', {}, el('tr', {}, headers.map(h => el('th', {}, h)))),
        el('tbody', {}, rows)));
  }

  // Offered to everyone: the master decides. A button the user may not use says so and gets the refusal.
  function restartButton(service, instance) {
    const allowed = mayRestart(service);
    return el('button', {
      type: 'button', class: 'small restart' + (allowed ? '' : ' not-allowed'), 'data-service': service,
      'data-instance': instance, title: allowed ? undefined : 'You may not restart this service: it will be refused.',
      onclick: () => restart(service, instance),
    }, 'Restart');
  }

  async function restart(service, instance) {
    if (!await confirmAction(`Restart instance ${instance} of service ${service}? It is stopped (grace period, ` +
        `then killed) and started again.`)) return;
    try {
      await api(`services/${encodeURIComponent(service)}/instances/${encodeURIComponent(instance)}/restart`,
        {method: 'POST'});
      flash(`Instance ${instance} restarted.`, 'ok');
    } catch (err) {
      flash(`Restart refused: ${err.message}`, 'error');
    }
    route();
  }

  function instanceRows(service, instances, withService) {
    return instances.map(i => el('tr', {'data-service': service, 'data-instance': i.name},
      withService ? el('td', {}, el('a', {href: '#/service/' + encodeURIComponent(service)}, service)) : null,
      el('td', {}, i.name),
      el('td', {}, el('span', {class: 'state state-' + i.status}, i.status)),
      el('td', {class: 'num'}, pct(i.cpu_percent)),
      el('td', {class: 'num'}, bytes(i.mem_bytes)),
      el('td', {class: 'num'}, String(i.restarts)),
      el('td', {}, since(i.start_time)),
      el('td', {}, i.replica ? restartButton(service, i.name) : el('span', {class: 'muted'}, 'on demand'))));
  }

  async function overview() {
    const cards = el('div', {class: 'cards'});
    const chart = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    chart.id = 'rate-chart';
    chart.setAttribute('preserveAspectRatio', 'none');
    const legend = el('div', {class: 'legends'});
    RateChart.legend(legend);
    const services = el('div', {id: 'services'});
    page('Overview', cards,
      el('section', {class: 'panel'}, el('h2', {}, 'Hub messages'), legend, chart,
        el('p', {class: 'muted', id: 'rate-note'}, '')),
      el('section', {class: 'panel'}, el('h2', {}, 'Services'), services));
    rates = [];
    let lastT = 0;
    RateChart.draw(chart, rates);
    every(2000, async () => {
      const r = await api('rates?since=' + lastT);
      for (const p of r.points) { rates.push(p); lastT = p.t; }
      if (rates.length > 360) rates = rates.slice(rates.length - 360);
      RateChart.draw(chart, rates);
      $('rate-note').textContent = `Totals: ${r.totals.received} received, ${r.totals.sent} sent. ` +
        'Rates come with each hub report (the hub\u2019s metrics.report.interval).';
    });
    every(5000, async () => {
      const o = await api('overview');
      cards.textContent = '';
      const hub = o.hub || {};
      const last = rates.length ? rates[rates.length - 1] : null;
      const card = (label, value, id) => el('div', {class: 'card'}, el('div', {class: 'label'}, label),
        el('div', {class: 'value', id}, value));
      cards.append(
        card('Host CPU', pct(o.host.cpu_percent), 'host-cpu'),
        card('Host memory', `${bytes(o.host.mem_used)} / ${bytes(o.host.mem_total)}`, 'host-mem'),
        card('Connections', o.hub ? String(hub.connections) : '–', 'hub-connections'),
        card('Subscriptions', o.hub ? String(hub.subscriptions) : '–', 'hub-subscriptions'),
        card('Received', last ? last.received.toFixed(1) + ' msg/s' : '–', 'rate-received'),
        card('Sent', last ? last.sent.toFixed(1) + ' msg/s' : '–', 'rate-sent'));
      if (o.error) cards.append(el('div', {class: 'card wide error'}, 'Last update failed: ' + o.error));
      services.textContent = '';
      const rows = o.services.flatMap(s => s.instances.length
        ? instanceRows(s.name, s.instances, true)
        : [el('tr', {'data-service': s.name}, el('td', {}, el('a', {href: '#/service/' + encodeURIComponent(s.name)},
          s.name)), el('td', {class: 'muted', colSpan: 7}, `no instance (replica ${s.replica}, started on demand)`))]);
      services.appendChild(table(['Service', 'Instance', 'State', 'CPU', 'Memory', 'Restarts', 'Up', ''], rows,
        {id: 'services-table'}));
    });
  }

  async function service(name) {
    const s = await api('services/' + encodeURIComponent(name));
    const volumes = s.volumes.map(v => el('tr', {},
      el('td', {}, v.role), el('td', {}, v.source), el('td', {}, v.target), el('td', {}, v.read_only ? 'yes' : 'no'),
      el('td', {}, v.error ? el('span', {class: 'error'}, v.error)
        : v.files ? v.files.map(f => el('div', {}, `${f.name} (${f.type === 'dir' ? 'dir' : bytes(f.size)})`)) : '')));
    const log = s.log.lines
      ? el('pre', {class: 'log', id: 'service-log'}, s.log.lines.join('\n'))
      : el('p', {class: 'muted', id: 'service-log'}, s.log.error);
    page('Service ' + s.name,
      el('p', {class: 'meta'}, `image ${s.image} · replica ${s.replica} · restart ${s.restart_policy}` +
        (s.depends_on.length ? ' · depends on ' + s.depends_on.join(', ') : '')),
      el('section', {class: 'panel'}, el('h2', {}, 'Instances'),
        s.instances.length
          ? table(['Instance', 'State', 'CPU', 'Memory', 'Restarts', 'Up', ''], instanceRows(s.name, s.instances, false),
            {id: 'instances-table'})
          : el('p', {class: 'muted'}, 'No instance now (started on demand).')),
      el('section', {class: 'panel'}, el('h2', {}, 'Volumes'),
        table(['Role', 'Host path', 'Mounted at', 'Read-only', 'Files'], volumes)),
      el('section', {class: 'panel'}, el('h2', {}, 'Log' + (s.log.file ? ': ' + s.log.file : '')), log));
  }

  async function hub() {
    const body = el('div', {});
    page('Hub', body);
    every(5000, async () => {
      const h = await api('hub');
      body.textContent = '';
      if (!h.hubs.length) body.appendChild(el('p', {class: 'muted'}, 'No hub has reported yet.'));
      for (const x of h.hubs) {
        const st = x.broker_stats || {};
        body.appendChild(el('section', {class: 'panel'},
          el('h2', {}, `${x.service} / ${x.instance}`),
          el('p', {class: 'muted'}, 'Reported ' + since(new Date(x.reported_at).toISOString()) + ' ago.'),
          el('dl', {class: 'kv'}, Object.entries(st).map(([k, v]) =>
            el('div', {}, el('dt', {}, k.replace(/_/g, ' ')), el('dd', {}, String(v))))),
          clients(x.broker_clients)));
      }
    });
  }

  function clients(c) {
    if (!c) return el('p', {class: 'muted'}, 'This hub does not list its clients.');
    const rows = (c.clients || []).map(x => el('tr', {'data-client': x.clientid},
      el('td', {}, x.clientid), el('td', {}, x.username || ''), el('td', {}, x.address || ''),
      el('td', {}, x.connected ? 'connected' : 'offline'),
      el('td', {}, (x.subscriptions || []).map(s => el('div', {}, `${s.topic} (QoS ${s.qos})`)))));
    return el('div', {},
      el('h3', {}, `Clients (${c.total}${c.truncated ? ', first ' + rows.length + ' shown' : ''})`),
      table(['Client id', 'User', 'Address', 'State', 'Subscriptions'], rows, {id: 'clients-table'}));
  }

  async function functions() {
    const body = el('div', {});
    page('Function pools', body);
    every(5000, async () => {
      const f = await api('functions');
      body.textContent = '';
      if (!f.managers.length) body.appendChild(el('p', {class: 'muted'}, 'No function manager has reported yet.'));
      for (const m of f.managers) {
        const rows = Object.entries(m.functions || {}).map(([name, s]) => el('tr', {'data-function': name},
          el('td', {}, name), el('td', {}, s.service || ''),
          el('td', {class: 'num'}, `${s.busy ?? 0} busy / ${s.idle ?? 0} idle / ${s.starting ?? 0} starting`),
          el('td', {class: 'num'}, String(s.waiting ?? 0)),
          el('td', {class: 'num'}, String(s.calls ?? 0)), el('td', {class: 'num'}, String(s.errors ?? 0)),
          el('td', {class: 'num'}, `${s.latency_avg_ms ?? 0} / ${s.latency_max_ms ?? 0} ms`)));
        body.appendChild(el('section', {class: 'panel'}, el('h2', {}, `${m.service} / ${m.instance}`),
          table(['Function', 'Runtime service', 'Instances', 'Waiting', 'Calls', 'Errors', 'Latency avg / max'], rows,
            {id: 'functions-table'})));
      }
    });
  }

  async function ota() {
    const log = el('div', {});
    const forms = [];
    {
      const text = el('textarea', {id: 'app-yaml', rows: 12, spellcheck: false,
        placeholder: 'version: v0\nservices:\n  - name: ...'});
      const file = el('input', {type: 'file', id: 'app-file', accept: '.yml,.yaml,text/yaml'});
      file.addEventListener('change', async () => { if (file.files[0]) text.value = await file.files[0].text(); });
      const result = el('p', {id: 'app-result', hidden: true});
      const apply = async () => {
        if (!text.value.trim()) { result.textContent = 'Paste or choose an application.yml first.'; result.className = 'error'; result.hidden = false; return; }
        if (!await confirmAction('Apply this application.yml? Services whose definition changed are restarted; ' +
            'if the new application cannot start, the previous one is restored.')) return;
        try {
          const r = await api('app', {method: 'POST', headers: {'Content-Type': 'application/yaml'}, body: text.value});
          result.textContent = `Queued as update ${r.trace}; its steps appear below.`;
          result.className = 'ok';
        } catch (err) {
          result.textContent = 'Not applied: ' + err.message;
          result.className = 'error';
        }
        result.hidden = false;
      };
      forms.push(el('section', {class: 'panel'}, el('h2', {}, 'Apply an application.yml'),
        me.update ? null : el('p', {class: 'muted'}, 'You may not apply one: the master will refuse it.'), text,
        el('div', {class: 'buttons'}, file, el('button', {type: 'button', id: 'app-apply', onclick: apply}, 'Apply')),
        result));
    }
    page('Updates', ...forms, el('section', {class: 'panel'}, el('h2', {}, 'OTA log'), log));
    every(3000, async () => {
      const o = await api('ota');
      log.textContent = '';
      if (o.error) log.appendChild(el('p', {class: 'error'}, 'Last update failed: ' + o.error));
      const rows = o.lines.slice().reverse().map(l => el('tr', {'data-step': l.step || ''},
        el('td', {}, l.time ? new Date(l.time).toLocaleString() : ''), el('td', {}, l.type || ''),
        el('td', {}, el('span', {class: 'step step-' + (l.step || '').toLowerCase()}, l.step || l.msg || '')),
        el('td', {}, l.trace || ''), el('td', {class: 'error'}, l.error || '')));
      log.appendChild(rows.length ? table(['Time', 'Type', 'Step', 'Trace', 'Error'], rows, {id: 'ota-table'})
        : el('p', {class: 'muted'}, 'No update yet.'));
    });
  }

  async function route() {
    stopTimers();
    if (!me) return;
    const h = decodeURIComponent(location.hash.replace(/^#\/?/, ''));
    try {
      if (h.startsWith('service/')) await service(h.substring('service/'.length));
      else if (h === 'hub') await hub();
      else if (h === 'functions') await functions();
      else if (h === 'ota') await ota();
      else await overview();
    } catch (err) {
      if (me) flash(err.message, 'error');
    }
  }

  // ---- start ----

  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', logout);
  window.addEventListener('hashchange', route);
  window.addEventListener('unhandledrejection', ev => {
    if (me && ev.reason && ev.reason.message) flash(ev.reason.message, 'error');
  });
  api('me').then(m => { me = m; loggedIn(); }).catch(() => showLogin());
})();
