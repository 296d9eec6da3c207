/* Segment KPI dashboard: draws every chart from the JSON embedded in the page, and redraws
   them when the reader changes the grain, the segment dimension or the segment. No network. */
(function () {
  "use strict";
  const DATA = JSON.parse(document.getElementById("dashboard-data").textContent);
  const CFG = DATA.config;
  const grains = Object.fromEntries(DATA.grains.map((g) => [g.name, g]));
  const dimensions = Object.fromEntries(DATA.dimensions.map((d) => [d.name, d]));
  const FLOWS = [
    ["new_customers", 1], ["reactivated_customers", 1], ["migrated_in", 1],
    ["churned_customers", -1], ["migrated_out", -1],
  ];
  const state = readState();
  window.dashboardRenders = 0;

  // ---- state: grain, dimension, segment (kept in the URL hash so a view can be shared) ----
  function readState() {
    const params = new URLSearchParams(location.hash.slice(1));
    const grain = params.get("grain");
    const dim = params.get("dimension");
    const s = {
      grain: grains[grain] && grains[grain].focus ? grain : DATA.defaultGrain,
      dim: dimensions[dim] ? dim : (dimensions.all ? "all" : (DATA.dimensions[0] || {}).name),
      segment: params.get("segment"),
    };
    s.segment = validSegment(s.dim, s.segment);
    return s;
  }
  function validSegment(dim, segment) {
    const d = dimensions[dim];
    if (!d) return null;
    return d.segments.includes(segment) ? segment : (d.segments[0] || null);
  }
  function writeState() {
    const hash = "#" + new URLSearchParams(
      {grain: state.grain, dimension: state.dim, segment: state.segment || ""}).toString();
    try { history.replaceState(null, "", hash); } catch (e) { /* some file:// setups refuse */ }
  }

  // ---- drawing helpers ----
  const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
  function merge(base, extra) {
    const out = Object.assign({}, base);
    for (const [k, v] of Object.entries(extra || {})) {
      out[k] = isObject(v) && isObject(base[k]) ? merge(base[k], v) : v;
    }
    return out;
  }
  const fmt = (col) => CFG.formats[col] || ",.2f";
  const label = (col) => CFG.labels[col] || col;
  const color = (i) => CFG.palette[i % CFG.palette.length];
  const hasValue = (values) => values.some((v) => v !== null && v !== undefined);
  const plotConfig = {displaylogo: false, responsive: true, displayModeBar: "hover",
    modeBarButtonsToRemove: ["lasso2d", "select2d", "autoScale2d"]};

  function draw(id, traces, layout) {
    return Plotly.react("chart-" + id, traces, merge(CFG.layout, layout), plotConfig);
  }
  function drawEmpty(id, message) {
    return draw(id, [], {
      xaxis: {visible: false}, yaxis: {visible: false}, height: 200,
      annotations: [{text: message, showarrow: false, xref: "paper", yref: "paper",
        x: 0.5, y: 0.5, font: {size: 14, color: "#6b7280"}}],
    });
  }
  function setText(id, text) {
    const el = document.getElementById(id);
    if (el) el.textContent = text;
  }
  const barHeight = (rows) => Math.max(220, 110 + 30 * rows);

  // Everything a renderer needs for the current state.
  function context() {
    const g = grains[state.grain];
    const d = dimensions[state.dim];
    const series = g.series[state.dim] || {};
    const focus = g.focus_values[state.dim] || {};
    const n = g.periods.length;
    const col = (name) => series[name] || d.segments.map(() => g.periods.map(() => null));
    const fcol = (name) => focus[name] || d.segments.map(() => null);
    const last = (name) => col(name).map((values) => (n ? values[n - 1] : null));
    const present = d.segments.map((_, i) => i).filter((i) => last("customers_end")[i] !== null);
    return {g, d, n, col, fcol, last, present, seg: d.segments.indexOf(state.segment),
      none: "No closed " + g.name + " up to " + DATA.asOf};
  }

  // ---- one renderer per chart (charts.py lists them) ----
  const renderers = {
    sizes(c) {
      if (!c.n) return drawEmpty("sizes", c.none);
      const traces = c.d.segments.map((s, i) => ({
        type: "scatter", mode: c.n > 1 ? "lines+markers" : "markers", name: c.d.segmentLabels[i],
        x: c.g.periods, y: c.col("customers_end")[i], line: {color: color(i), width: 2},
        marker: {color: color(i), size: 5}, hovertemplate: "%{y:" + fmt("customers_end") + "}",
      })).filter((t) => hasValue(t.y));
      return draw("sizes", traces, {hovermode: "x unified", xaxis: {type: "category"},
        yaxis: {tickformat: ",~f", rangemode: "tozero"}});
    },

    flows_period(c) {
      setText("sub-flows_period", c.g.focus ? c.g.focus.title : "");
      if (!c.present.length) return drawEmpty("flows_period", c.none);
      const y = c.present.map((i) => c.d.segmentLabels[i]);
      const traces = FLOWS.map(([col, sign]) => {
        const values = c.present.map((i) => c.last(col)[i]);
        return {type: "bar", orientation: "h", name: label(col), y: y,
          x: values.map((v) => (v === null ? null : sign * v)), customdata: values,
          marker: {color: CFG.flowColors[col]},
          hovertemplate: label(col) + ": %{customdata:,.0f}<extra>%{y}</extra>"};
      });
      return draw("flows_period", traces, {barmode: "relative", height: barHeight(y.length),
        xaxis: {tickformat: ",~f", title: {text: "customers"}},
        yaxis: {type: "category", autorange: "reversed"}});
    },

    flows_time(c) {
      if (!c.n || c.seg < 0) return drawEmpty("flows_time", c.none);
      setText("sub-flows_time", "Segment: " + c.d.segmentLabels[c.seg]);
      const traces = FLOWS.map(([col, sign]) => {
        const values = c.col(col)[c.seg];
        return {type: "bar", name: label(col), x: c.g.periods, customdata: values,
          y: values.map((v) => (v === null ? null : sign * v)),
          marker: {color: CFG.flowColors[col]}, hovertemplate: "%{customdata:,.0f}"};
      });
      traces.push({type: "scatter", mode: "lines+markers", name: label("customers_end"),
        x: c.g.periods, y: c.col("customers_end")[c.seg], yaxis: "y2",
        line: {color: "#1f2933", width: 2}, hovertemplate: "%{y:,.0f}"});
      return draw("flows_time", traces, {barmode: "relative", hovermode: "x unified",
        xaxis: {type: "category"}, yaxis: {tickformat: ",~f", title: {text: "flows"}},
        yaxis2: {overlaying: "y", side: "right", tickformat: ",~f", rangemode: "tozero",
          showgrid: false, automargin: true, tickmode: "auto", title: {text: "active customers"}}});
    },

    retention(c) {
      setText("sub-retention", c.g.focus ? c.g.focus.title : "");
      const retention = c.fcol("retention_rate");
      const rows = c.present.filter((i) => retention[i] !== null);
      if (!rows.length) return drawEmpty("retention", c.n ? "No customers active at the start" : c.none);
      const y = rows.map((i) => c.d.segmentLabels[i]);
      const start = rows.map((i) => c.fcol("customers_start")[i]);
      const bar = (name, values, barColor) => ({type: "bar", orientation: "h", name: name, y: y,
        x: values, customdata: start, marker: {color: barColor}, texttemplate: "%{x:.1%}",
        textposition: "inside", insidetextanchor: "middle",
        hovertemplate: name + ": %{x:.1%} of %{customdata:,.0f}<extra>%{y}</extra>"});
      return draw("retention", [
        bar(label("retention_rate"), rows.map((i) => retention[i]), "#54A24B"),
        bar(label("churn_rate"), rows.map((i) => c.last("churn_rate")[i]), "#E45756"),
      ], {barmode: "stack", height: barHeight(y.length), xaxis: {tickformat: ".0%", range: [0, 1]},
        yaxis: {type: "category", autorange: "reversed"}});
    },

    churn_time(c) {
      if (!c.n) return drawEmpty("churn_time", c.none);
      const traces = c.d.segments.map((s, i) => ({
        type: "scatter", mode: c.n > 1 ? "lines+markers" : "markers", name: c.d.segmentLabels[i],
        x: c.g.periods, y: c.col("churn_rate")[i], line: {color: color(i), width: 2},
        marker: {color: color(i), size: 5}, hovertemplate: "%{y:.1%}",
      })).filter((t) => hasValue(t.y));
      if (!traces.length) return drawEmpty("churn_time", "No churn rate: no customers at start");
      return draw("churn_time", traces, {hovermode: "x unified", xaxis: {type: "category"},
        yaxis: {tickformat: ".0%", rangemode: "tozero"}});
    },

    cohorts() {
      const cohorts = DATA.cohorts[state.dim];
      const cells = cohorts && cohorts.segments[state.segment];
      const name = (dimensions[state.dim] || {segmentLabels: []})
        .segmentLabels[dimensions[state.dim].segments.indexOf(state.segment)];
      setText("sub-cohorts", "Segment: " + name);
      if (!cells) return drawEmpty("cohorts", "No closed cohort month for this segment");
      const depth = cells.retention[0].length;
      const later = cells.retention.flatMap((row) => row.slice(1)).filter((v) => v !== null);
      const y = cohorts.months.map((m, j) => m + " (" + (cells.size[j] || 0).toLocaleString("en-US") + ")");
      return draw("cohorts", [{
        type: "heatmap", z: cells.retention, x: [...Array(depth).keys()], y: y,
        customdata: cells.revenue, zmin: 0, zmax: later.length ? Math.max(...later) : 1,
        colorscale: [[0, "#f4f8fc"], [0.5, "#7fb0d8"], [1, "#0b3c73"]], texttemplate: "%{z:.0%}", xgap: 1, ygap: 1,
        colorbar: {tickformat: ".0%", thickness: 12},
        hovertemplate: "Cohort %{y}, month %{x}: %{z:.1%} ordered" +
          "<br>Revenue per customer to date: %{customdata:$,.2f}<extra></extra>",
      }], {height: Math.max(240, 110 + 26 * y.length),
        xaxis: {title: {text: "months since acquisition"}, dtick: 1, side: "top"},
        yaxis: {title: {text: "acquisition month (customers)"}, autorange: "reversed",
          type: "category"}});
    },

    clv_cac(c) {
      setText("sub-clv_cac", c.g.focus ? c.g.focus.title : "");
      const clv = c.fcol("clv");
      const cac = c.fcol("cac");
      const size = c.last("customers_end");
      const shown = c.present.filter((i) => clv[i] !== null && cac[i] !== null);
      const missing = c.present.filter((i) => !shown.includes(i)).map((i) => c.d.segmentLabels[i]);
      setText("note-clv_cac", missing.length ? "Not plotted (no CLV or no CAC): " + missing.join(", ") : "");
      if (!shown.length) return drawEmpty("clv_cac", c.n ? "No segment has both CLV and CAC" : c.none);
      // CAC axis fitted to the data (segments often share a CAC); CLV from 0 so that the
      // LTV:CAC = 1 and = 3 lines (CLV = CAC, CLV = 3 x CAC) cross the chart.
      const xs = shown.map((i) => cac[i]);
      const pad = Math.max(0.15 * (Math.max(...xs) - Math.min(...xs)), 0.1 * Math.max(...xs)) || 1;
      const x0 = Math.max(0, Math.min(...xs) - pad);
      const x1 = Math.max(...xs) + pad;
      const maxY = 1.15 * Math.max(...shown.map((i) => clv[i]), x1) || 1;
      const biggest = Math.max(...shown.map((i) => size[i] || 0)) || 1;
      const line = (ratio) => ({type: "scatter", mode: "lines", x: [x0, x1], y: [ratio * x0, ratio * x1],
        name: "LTV:CAC = " + ratio, hoverinfo: "skip", showlegend: false,
        line: {color: ratio === 1 ? "#c62828" : "#2e7d32", dash: "dash", width: 1.5}});
      const points = shown.map((i) => ({type: "scatter", mode: "markers+text", name: c.d.segmentLabels[i],
        x: [cac[i]], y: [clv[i]], text: [c.d.segmentLabels[i]], textposition: "top center",
        textfont: {size: 11}, customdata: [[c.fcol("ltv_to_cac")[i], size[i]]],
        marker: {color: color(i), size: 12 + 26 * Math.sqrt((size[i] || 0) / biggest), opacity: 0.85,
          line: {color: "#ffffff", width: 1}},
        hovertemplate: "<b>" + c.d.segmentLabels[i] + "</b><br>CLV %{y:$,.0f}<br>CAC %{x:$,.0f}" +
          "<br>LTV:CAC %{customdata[0]:.2f}<br>%{customdata[1]:,.0f} active customers<extra></extra>"}));
      const note = (ratio) => ({x: Math.min(x1, maxY / ratio), y: Math.min(maxY, ratio * x1),
        text: "LTV:CAC = " + ratio, showarrow: false, xanchor: "right",
        yanchor: ratio * x1 > maxY ? "top" : "bottom",
        font: {size: 11, color: ratio === 1 ? "#c62828" : "#2e7d32"}});
      return draw("clv_cac", [line(1), line(3), ...points], {showlegend: false, height: 380,
        xaxis: {title: {text: "CAC"}, tickformat: "$,.0f", range: [x0, x1]},
        yaxis: {title: {text: "CLV"}, tickformat: "$,.0f", range: [0, maxY]},
        annotations: [note(1), note(3)]});
    },

    market(c) {
      return twoBars(c, "market", ["market_penetration", "addressable_customers", ".1%"],
        ["market_share", "revenue", ".2%"], "No market sizing for this dimension");
    },

    satisfaction(c) {
      return twoBars(c, "satisfaction", ["csat", "csat_responses", ".0%", [0, 1]],
        ["nps", "nps_responses", ".0f", [-100, 100]], "No survey responses in this period");
    },

    leads(c) {
      const own = c.d.hasLeads;
      const dim = own ? state.dim : "all";
      const d = dimensions[dim];
      const i = own ? c.seg : (d ? d.segments.indexOf("all") : -1);
      const series = (c.g.series[dim] || {});
      const get = (col) => ((series[col] || [])[i]) || c.g.periods.map(() => null);
      setText("sub-leads", own ? "Segment: " + c.d.segmentLabels[c.seg]
        : "All customers (leads carry no " + c.d.label.toLowerCase() + ")");
      if (!c.n || i < 0 || !hasValue(get("leads_created").concat(get("leads_converted")))) {
        return drawEmpty("leads", c.n ? "No leads in these periods" : c.none);
      }
      const traces = ["leads_created", "leads_contacted", "leads_converted"].map((col, k) => ({
        type: "bar", name: label(col), x: c.g.periods, y: get(col), marker: {color: color(k)},
        hovertemplate: "%{y:,.0f}"}));
      traces.push({type: "scatter", mode: "lines+markers", name: label("lead_conversion_rate"),
        x: c.g.periods, y: get("lead_conversion_rate"), yaxis: "y2", line: {color: "#1f2933"},
        hovertemplate: "%{y:.1%}"});
      return draw("leads", traces, {barmode: "group", hovermode: "x unified", xaxis: {type: "category"},
        yaxis: {tickformat: ",~f", title: {text: "leads"}}, yaxis2: {overlaying: "y", side: "right",
          tickformat: ".0%", rangemode: "tozero", showgrid: false, automargin: true,
          tickmode: "auto", title: {text: "conversion"}}});
    },
  };

  // Two horizontal bar panels side by side, one bar per segment of the focus period.
  function twoBars(c, id, left, right, emptyMessage) {
    setText("sub-" + id, c.g.focus ? c.g.focus.title : "");
    const rows = c.present.filter((i) => c.fcol(left[0])[i] !== null || c.fcol(right[0])[i] !== null);
    if (!rows.length) return drawEmpty(id, c.n ? emptyMessage : c.none);
    const y = rows.map((i) => c.d.segmentLabels[i]);
    const panel = ([col, extra, format], k) => ({type: "bar", orientation: "h", name: label(col), y: y,
      x: rows.map((i) => c.fcol(col)[i]), xaxis: k ? "x2" : "x",
      customdata: rows.map((i) => c.fcol(extra)[i]),
      marker: {color: color(k)}, texttemplate: "%{x:" + format + "}", textposition: "auto",
      hovertemplate: label(col) + ": %{x:" + format + "}<br>" + label(extra) + ": %{customdata:" +
        fmt(extra) + "}<extra>%{y}</extra>"});
    const axis = (spec, domain) => ({domain: domain, tickformat: spec[2], range: spec[3],
      anchor: "y", zeroline: true});
    const title = (spec, x) => ({text: "<b>" + label(spec[0]) + "</b>", x: x, y: 1, xref: "paper",
      yref: "paper", xanchor: "center", yanchor: "bottom", showarrow: false});
    return draw(id, [panel(left, 0), panel(right, 1)], {showlegend: false,
      height: barHeight(y.length) + 20, margin: {t: 30},
      xaxis: axis(left, [0, 0.47]), xaxis2: axis(right, [0.53, 1]),
      yaxis: {type: "category", autorange: "reversed"},
      annotations: [title(left, 0.235), title(right, 0.765)]});
  }

  // ---- the server-rendered parts: headline cards, segment tables, insights ----
  function showBlocks() {
    const g = grains[state.grain];
    setText("focus-title", g.focus ? g.focus.heading : "No closed " + g.name + " yet");
    document.querySelectorAll("[data-grain]").forEach((el) => {
      const dim = el.dataset.dimension;
      el.hidden = el.dataset.grain !== state.grain || (el.classList.contains("by-dimension") && dim !== state.dim);
    });
    const onlyDim = document.getElementById("insights-only-dimension");
    let shown = 0;
    document.querySelectorAll("li.insight").forEach((el) => {
      el.hidden = el.dataset.grain !== state.grain || (onlyDim && onlyDim.checked && el.dataset.dimension !== state.dim);
      if (!el.hidden) shown += 1;
    });
    setText("insights-count", shown === 1 ? "1 insight" : shown.toLocaleString("en-US") + " insights");
    const none = document.getElementById("insights-none");
    if (none) none.hidden = shown > 0;
  }

  function fillSegments() {
    const select = document.getElementById("segment-select");
    const d = dimensions[state.dim];
    if (!d) { select.disabled = true; return; }
    select.replaceChildren(...d.segments.map((s, i) => new Option(d.segmentLabels[i], s)));
    select.value = state.segment;
    select.disabled = d.segments.length < 2;
  }

  function render() {
    showBlocks();
    writeState();
    const c = state.dim ? context() : null;
    const drawn = CFG.charts.map((id) => Promise.resolve().then(
      () => (c ? renderers[id](c) : drawEmpty(id, "No closed period yet"))));
    // counted even when a chart failed (the console says which), so a waiting test moves on
    return Promise.all(drawn)
      .catch((error) => console.error("dashboard: a chart failed to draw", error))
      .then(() => {
        window.dashboardRenders += 1;
        document.body.dataset.view = [state.grain, state.dim, state.segment].join("/");
      });
  }

  function init() {
    const grainSelect = document.getElementById("grain-select");
    const dimSelect = document.getElementById("dimension-select");
    const segSelect = document.getElementById("segment-select");
    grainSelect.value = state.grain;
    dimSelect.value = state.dim;
    fillSegments();
    grainSelect.addEventListener("change", () => { state.grain = grainSelect.value; render(); });
    dimSelect.addEventListener("change", () => {
      state.dim = dimSelect.value;
      state.segment = validSegment(state.dim, null);
      fillSegments();
      render();
    });
    segSelect.addEventListener("change", () => { state.segment = segSelect.value; render(); });
    const onlyDim = document.getElementById("insights-only-dimension");
    if (onlyDim) onlyDim.addEventListener("change", showBlocks);
    render();
  }

  if (typeof Plotly === "undefined") {
    console.error("dashboard: assets/plotly.min.js did not load; keep the assets folder beside the page");
    return;
  }
  init();
})();
