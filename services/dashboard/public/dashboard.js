// The dashboard page: fetches one /api endpoint per chart or panel, draws with Chart.js (served
// by the dashboard itself), and shows each endpoint's error in its own card instead of failing.
// <body data-state> goes loading → loaded once every request has settled (tests wait on it).
// Loaded as a module (strict, deferred), after the Chart.js bundle that defines window.Chart.
(() => {
  const COLORS = ['#2563eb', '#f97316', '#16a34a', '#dc2626', '#9333ea', '#0891b2', '#ca8a04'];
  const charts = new Map();
  let refreshTimer;

  const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
  const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
  const money = new Intl.NumberFormat('en-US', {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });
  const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

  const fmt = {
    int: (v) => (v === null || v === undefined ? '–' : integer.format(v)),
    dec: (v) => (v === null || v === undefined ? '–' : decimal.format(v)),
    money: (v) => (v === null || v === undefined ? '–' : money.format(v)),
    pct: (v) => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(1)} %`),
    month: (v) => (v ? v.slice(0, 7) : '–'),
    bytes: (v) => {
      if (v === null || v === undefined) return '–';
      const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
      let size = v;
      let unit = 0;
      while (size >= 1024 && unit < units.length - 1) {
        size /= 1024;
        unit += 1;
      }
      return `${unit === 0 ? size : size.toFixed(1)} ${units[unit]}`;
    },
    time: (iso) => {
      if (!iso) return '–';
      const date = new Date(iso);
      const seconds = Math.round((Date.now() - date.getTime()) / 1000);
      const ago =
        seconds < 90
          ? `${seconds} s ago`
          : seconds < 5400
            ? `${Math.round(seconds / 60)} min ago`
            : seconds < 172800
              ? `${Math.round(seconds / 3600)} h ago`
              : `${Math.round(seconds / 86400)} days ago`;
      return `${date.toISOString().replace('T', ' ').slice(0, 19)} UTC (${ago})`;
    },
  };

  class ApiError extends Error {
    constructor(status, body) {
      super(body?.error?.message ?? `HTTP ${status}`);
      this.status = status;
      this.code = body?.error?.code;
    }
  }

  async function getJson(path) {
    const response = await fetch(path, { headers: { accept: 'application/json' } });
    let body;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    if (!response.ok) throw new ApiError(response.status, body);
    return body;
  }

  const el = (selector, root = document) => root.querySelector(selector);

  function make(tag, attrs = {}, children = []) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (key === 'class') node.className = value;
      else node.setAttribute(key, value);
    }
    for (const child of [].concat(children)) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function panel(name) {
    return el(`[data-panel="${name}"]`);
  }

  function showPanelError(name, error) {
    const card = panel(name);
    card.classList.add('failed');
    const message = el('.panel-error', card);
    message.textContent = error.message;
    message.hidden = false;
    const chart = charts.get(name);
    if (chart) {
      chart.destroy();
      charts.delete(name);
    }
  }

  function clearPanelError(name) {
    const card = panel(name);
    card.classList.remove('failed');
    el('.panel-error', card).hidden = true;
  }

  function draw(name, config) {
    const existing = charts.get(name);
    if (existing) existing.destroy();
    const canvas = el(`#chart-${name}`);
    config.options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      ...config.options,
    };
    charts.set(name, new window.Chart(canvas, config));
  }

  function facts(target, entries) {
    const list = el(target);
    list.replaceChildren();
    for (const [term, value] of entries) {
      list.append(make('dt', {}, term), make('dd', {}, value));
    }
  }

  function status(text, kind) {
    return make('span', { class: `status ${kind}` }, text);
  }

  // ---- gold charts -------------------------------------------------------------------------

  function drawPerformance({ rows }) {
    draw('performance', {
      data: {
        labels: rows.map((r) => fmt.month(r.month)),
        datasets: [
          {
            type: 'line',
            label: 'Profit margin (%)',
            data: rows.map((r) => (r.profit_margin === null ? null : r.profit_margin * 100)),
            yAxisID: 'margin',
            borderColor: COLORS[1],
            backgroundColor: COLORS[1],
            tension: 0.2,
          },
          {
            type: 'bar',
            label: 'Net sales',
            data: rows.map((r) => r.net_sales),
            yAxisID: 'sales',
            backgroundColor: `${COLORS[0]}cc`,
          },
        ],
      },
      options: {
        interaction: { mode: 'index', intersect: false },
        scales: {
          sales: {
            position: 'left',
            beginAtZero: true,
            ticks: { callback: (v) => compact.format(v) },
            title: { display: true, text: 'Net sales' },
          },
          margin: {
            position: 'right',
            beginAtZero: true,
            grid: { drawOnChartArea: false },
            ticks: { callback: (v) => `${v} %` },
            title: { display: true, text: 'Profit margin' },
          },
        },
      },
    });
  }

  function drawRetention({ rows }) {
    draw('retention', {
      data: {
        labels: rows.map((r) => fmt.month(r.month)),
        datasets: [
          {
            type: 'line',
            label: 'Retention rate (%)',
            data: rows.map((r) => (r.retention_rate === null ? null : r.retention_rate * 100)),
            yAxisID: 'rate',
            borderColor: COLORS[3],
            backgroundColor: COLORS[3],
            tension: 0.2,
          },
          {
            type: 'bar',
            label: 'New customers',
            data: rows.map((r) => r.new_customers),
            yAxisID: 'customers',
            stack: 'active',
            backgroundColor: `${COLORS[2]}cc`,
          },
          {
            type: 'bar',
            label: 'Returning customers',
            data: rows.map((r) => r.returning_customers),
            yAxisID: 'customers',
            stack: 'active',
            backgroundColor: `${COLORS[0]}99`,
          },
        ],
      },
      options: {
        interaction: { mode: 'index', intersect: false },
        scales: {
          customers: {
            position: 'left',
            stacked: true,
            beginAtZero: true,
            title: { display: true, text: 'Active customers' },
          },
          rate: {
            position: 'right',
            min: 0,
            max: 100,
            grid: { drawOnChartArea: false },
            ticks: { callback: (v) => `${v} %` },
            title: { display: true, text: 'Retention rate' },
          },
          x: { stacked: true },
        },
      },
    });
  }

  function drawShipping({ rows }) {
    const label = (v) => v ?? '(none)';
    const modes = [...new Set(rows.map((r) => label(r.shipping_mode)))];
    const statuses = [...new Set(rows.map((r) => label(r.delivery_status)))];
    const byKey = new Map(
      rows.map((r) => [`${label(r.shipping_mode)}|${label(r.delivery_status)}`, r]),
    );
    draw('shipping', {
      type: 'bar',
      data: {
        labels: modes,
        datasets: statuses.map((statusName, i) => ({
          label: statusName,
          data: modes.map((mode) => byKey.get(`${mode}|${statusName}`)?.avg_delay_days ?? null),
          backgroundColor: COLORS[i % COLORS.length],
          skipNull: true,
        })),
      },
      options: {
        scales: { y: { title: { display: true, text: 'Mean delay (days)' } } },
        plugins: {
          tooltip: {
            callbacks: {
              title: (items) => {
                const g = shown[items[0]?.dataIndex];
                return g ? `${g.group} → ${g.topic}` : '';
              },
              afterLabel: (item) => {
                const row = byKey.get(`${item.label}|${item.dataset.label}`);
                return row
                  ? `${fmt.int(row.item_count)} items, ${fmt.pct(row.late_rate)} late`
                  : '';
              },
            },
          },
        },
      },
    });
  }

  function drawCommitments({ rows }) {
    draw('commitments', {
      type: 'bar',
      data: {
        labels: rows.map((r) => r.department_name ?? '(none)'),
        datasets: [
          {
            label: 'Open commitments',
            data: rows.map((r) => r.open_commitments),
            backgroundColor: COLORS[1],
          },
          {
            label: 'Fulfilled sales',
            data: rows.map((r) => r.fulfilled_sales),
            backgroundColor: COLORS[2],
          },
        ],
      },
      options: {
        indexAxis: 'y',
        scales: { x: { beginAtZero: true, ticks: { callback: (v) => compact.format(v) } } },
        plugins: {
          tooltip: {
            callbacks: {
              afterBody: (items) => {
                const row = rows[items[0]?.dataIndex];
                return row ? `Fulfilment rate ${fmt.pct(row.fulfilment_rate)}` : '';
              },
            },
          },
        },
      },
    });
  }

  function drawFraud({ rows }) {
    draw('fraud', {
      type: 'bar',
      data: {
        labels: rows.map((r) => `Customer ${r.customer_id}`),
        datasets: [
          {
            label: 'Suspected-fraud orders',
            data: rows.map((r) => r.suspected_fraud_orders),
            backgroundColor: COLORS[3],
          },
        ],
      },
      options: {
        indexAxis: 'y',
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
    const body = el('#fraud-table tbody');
    body.replaceChildren(
      ...rows.map((r) =>
        make('tr', {}, [
          make('td', {}, r.customer_id),
          make('td', {}, fmt.int(r.suspected_fraud_orders)),
          make('td', {}, fmt.int(r.order_count)),
          make('td', {}, fmt.pct(r.fraud_order_rate)),
          make('td', {}, fmt.pct(r.transfer_order_share)),
          make('td', {}, fmt.money(r.total_spend)),
        ]),
      ),
    );
  }

  function drawKpis({ kpis }) {
    const tiles = [
      ['Net sales', fmt.money(kpis.total_net_sales), 'valid sales'],
      ['Profit margin', fmt.pct(kpis.profit_margin), `profit ${fmt.money(kpis.total_profit)}`],
      ['Order items', fmt.int(kpis.items), `${fmt.int(kpis.orders)} orders`],
      ['Customers', fmt.int(kpis.customers), 'with at least one item'],
      ['Latest month', fmt.month(kpis.latest_month), 'of an order'],
      [
        'Flagged customers',
        fmt.int(kpis.flagged_customers),
        kpis.customers > 0 && kpis.flagged_customers !== null
          ? `${fmt.pct(kpis.flagged_customers / kpis.customers)} of customers`
          : 'suspected fraud',
      ],
      ['Late-delivery rate', fmt.pct(kpis.late_delivery_rate), 'of items at risk'],
    ];
    el('#kpis').replaceChildren(
      ...tiles.map(([label, value, sub]) =>
        make('div', { class: 'kpi' }, [
          make('div', { class: 'label' }, label),
          make('div', { class: 'value' }, value),
          make('div', { class: 'sub' }, sub),
        ]),
      ),
    );
  }

  // ---- pipeline panels ---------------------------------------------------------------------

  function drawLag(report) {
    const notes = el('#lag-notes');
    notes.replaceChildren();
    if (report.state !== 'ok') {
      throw new Error(`Consumer lag unavailable – ${report.reason}`);
    }
    const shown = report.groups.filter((g) => g.state !== 'no_topic');
    for (const g of report.groups) {
      if (g.state === 'no_topic') {
        notes.append(make('li', {}, `${g.group}: topic ${g.topic} does not exist yet`));
      } else if (g.state === 'no_offsets') {
        notes.append(
          make('li', {}, `${g.group}: no committed offset yet (${fmt.int(g.total_lag)} to read)`),
        );
      }
    }
    notes.append(make('li', { class: 'muted' }, `checked ${fmt.time(report.checked_at)}`));
    draw('lag', {
      type: 'bar',
      data: {
        // Two lines per bar, cut to fit; the tooltip title keeps the whole names.
        labels: shown.map((g) => [short(g.group), short(g.topic)]),
        datasets: [
          {
            label: 'Lag (messages)',
            data: shown.map((g) => g.total_lag),
            backgroundColor: shown.map((g) => (g.total_lag > 0 ? COLORS[1] : COLORS[2])),
          },
        ],
      },
      options: {
        indexAxis: 'y',
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: (items) => {
                const g = shown[items[0]?.dataIndex];
                return g ? `${g.group} → ${g.topic}` : '';
              },
              afterLabel: (item) =>
                shown[item.dataIndex].partitions
                  .map((p) => `partition ${p.partition}: ${fmt.int(p.lag)}`)
                  .join('\n'),
            },
          },
        },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  }

  function short(text, max = 30) {
    return text.length > max ? `${text.slice(0, max - 1)}…` : text;
  }

  function drawBronze(report) {
    if (report.state === 'unavailable') throw new Error(report.reason);
    if (report.state === 'none') {
      facts('#bronze-facts', [['State', status(report.reason, 'warn')]]);
      return;
    }
    const o = report.latest;
    facts('#bronze-facts', [
      ['Written', fmt.time(o.written_at)],
      ['Topic', `${o.topic} · partition ${o.partition}`],
      ['First offset', fmt.int(o.start_offset)],
      ['Record hour', o.hour],
      ['Size', fmt.bytes(o.bytes)],
      ['Key', o.key],
      ['Bronze layer', `${fmt.int(report.objects)} objects, ${fmt.bytes(report.bytes)}`],
    ]);
  }

  function drawSilver(report) {
    const checks = el('#silver-checks tbody');
    checks.replaceChildren();
    el('#silver-checks').hidden = true;
    if (report.state === 'unavailable') throw new Error(report.reason);
    if (report.state === 'none' || report.state === 'invalid') {
      facts('#silver-facts', [
        ['State', status(report.reason, report.state === 'none' ? 'warn' : 'bad')],
      ]);
      return;
    }
    const b = report.latest;
    const q = b.quality;
    const rows = Object.entries(b.rows)
      .map(([table, n]) => `${table} ${fmt.int(n)}`)
      .join(', ');
    facts('#silver-facts', [
      ['Batch', `${b.batch_id} (${fmt.int(report.batches)} published)`],
      ['Published', fmt.time(b.created_at)],
      [
        'Data quality',
        status(q.status.replaceAll('_', ' '), q.status === 'passed' ? 'ok' : 'warn'),
      ],
      [
        'Records',
        `${fmt.int(q.records_in)} in → ${fmt.int(q.rows_out)} rows, ${fmt.int(q.rejected)} rejected, ${fmt.int(q.superseded)} superseded`,
      ],
      ['Inputs', `${fmt.int(b.inputs)} bronze objects`],
      ['Rows', rows || '–'],
    ]);
    el('#silver-checks').hidden = q.checks.length === 0;
    for (const check of q.checks) {
      const kind = check.status === 'passed' ? 'ok' : check.status === 'failed' ? 'bad' : 'warn';
      checks.append(
        make('tr', { title: check.detail ?? '' }, [
          make('td', {}, check.name),
          make('td', {}, status(check.status, kind)),
          make('td', {}, fmt.int(check.failing_rows)),
        ]),
      );
    }
  }

  function drawDbt(report) {
    const problems = el('#dbt-problems');
    problems.replaceChildren();
    if (report.state !== 'ok') {
      facts('#dbt-facts', [
        ['State', status(report.reason, report.state === 'none' ? 'warn' : 'bad')],
        ['File', report.path],
      ]);
      return;
    }
    const r = report.run;
    const kind = r.status === 'success' ? 'ok' : r.status === 'warn' ? 'warn' : 'bad';
    const counts = Object.entries(r.counts)
      .map(([name, n]) => `${fmt.int(n)} ${name}`)
      .join(', ');
    facts('#dbt-facts', [
      ['Status', status(r.status, kind)],
      ['Command', r.command ? `dbt ${r.command}` : '–'],
      ['Finished', fmt.time(r.finished_at)],
      ['Elapsed', `${fmt.dec(r.elapsed_seconds)} s`],
      ['Nodes', counts || '–'],
      ['dbt', r.dbt_version ?? '–'],
    ]);
    for (const p of r.problems) {
      problems.append(
        make('li', {}, `${p.status}: ${p.unique_id}${p.message ? ` – ${p.message}` : ''}`),
      );
    }
  }

  // ---- loading -----------------------------------------------------------------------------

  const PANELS = [
    ['kpis', '/api/summary', drawKpis],
    ['performance', '/api/gold/performance', drawPerformance],
    ['retention', '/api/gold/retention', drawRetention],
    ['shipping', '/api/gold/shipping-delays', drawShipping],
    ['commitments', '/api/gold/commitments', drawCommitments],
    ['fraud', '/api/gold/flagged-customers', drawFraud],
    ['lag', '/api/pipeline/consumer-lag', drawLag],
    ['bronze', '/api/pipeline/bronze', drawBronze],
    ['silver', '/api/pipeline/silver', drawSilver],
    ['dbt', '/api/pipeline/dbt', drawDbt],
  ];

  async function loadPanel([name, path, render]) {
    try {
      const body = await getJson(path);
      if (name !== 'kpis') clearPanelError(name);
      render(body);
      return undefined;
    } catch (error) {
      if (name === 'kpis') el('#kpis').replaceChildren();
      else showPanelError(name, error);
      return error;
    }
  }

  async function loadAll() {
    const button = el('#refresh');
    button.disabled = true;
    document.body.dataset.state = 'loading';
    try {
      const errors = await Promise.all(PANELS.map(loadPanel));
      // One banner for the warehouse: every gold panel fails the same way when it is unusable.
      const warehouseError = errors
        .slice(0, 6)
        .find((e) => e instanceof ApiError && e.status === 503);
      const banner = el('#banner');
      banner.hidden = warehouseError === undefined;
      banner.textContent = warehouseError
        ? `The gold layer cannot be read right now: ${warehouseError.message}`
        : '';
      // The cards that failed the same way point at the banner instead of repeating it.
      PANELS.slice(1, 6).forEach(([name], i) => {
        const error = errors[i + 1];
        if (warehouseError && error?.message === warehouseError.message) {
          el('.panel-error', panel(name)).textContent =
            'No data: the gold layer cannot be read (see above).';
        }
      });
      el('#updated').textContent = `Updated ${new Date().toLocaleTimeString('en-GB')}`;
    } finally {
      button.disabled = false;
      document.body.dataset.state = 'loaded';
    }
  }

  async function start() {
    el('#refresh').addEventListener('click', () => {
      void loadAll();
    });
    try {
      const meta = await getJson('/api/meta');
      el('#source').textContent =
        `Gold layer from ${meta.warehouse.kind}: ${meta.warehouse.location}`;
      el('#footer').textContent =
        `Charts: ${meta.chart_library.name} ${meta.chart_library.version}, served locally.`;
      if (meta.refresh_ms > 0) {
        refreshTimer = setInterval(() => {
          if (document.body.dataset.state === 'loaded') void loadAll();
        }, meta.refresh_ms);
      }
    } catch (error) {
      el('#source').textContent = `Dashboard API unreachable: ${error.message}`;
    }
    await loadAll();
  }

  // For tests and the console: the Chart.js instances by panel, and a way to stop auto-refresh.
  window.lakestreamDashboard = {
    charts,
    stop: () => clearInterval(refreshTimer),
  };

  void start();
})();
