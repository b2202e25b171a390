/*
 * Draws the report's charts in the browser from the JSON specs embedded in the page (the
 * elements #chart-specs and #chart-ui). The specs are plain data shared with the PNG renderer;
 * what needs functions (tooltips, linked zoom) is added here.
 */
(function () {
  'use strict';

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function init() {
    var specs = readJson('chart-specs') || [];
    var ui = readJson('chart-ui') || { lang: 'en', s: 's' };
    var charts = [];
    var fmt = new Intl.NumberFormat(ui.lang, { maximumFractionDigits: 3 });
    var sec = function (v) {
      return fmt.format(v) + ' ' + ui.s;
    };

    // Zooming one time chart zooms the others to the same period, so they can be read together.
    function follow(source) {
      var x = source.scales.x;
      charts.forEach(function (c) {
        if (c !== source && c.$spec.time) c.zoomScale('x', { min: x.min, max: x.max }, 'none');
      });
    }

    specs.forEach(function (spec) {
      var canvas = document.getElementById('chart-' + spec.id);
      if (!canvas) return;
      var cfg = spec.config;
      var o = (cfg.options = cfg.options || {});
      o.plugins = o.plugins || {};
      var tooltip = (o.plugins.tooltip = o.plugins.tooltip || {});
      var cb = (tooltip.callbacks = tooltip.callbacks || {});
      var floating = cfg.type === 'bar';
      if (spec.time && !floating) {
        cb.title = function (items) {
          return items.length ? 't = ' + sec(items[0].parsed.x) : '';
        };
      }
      if (floating) {
        cb.label = function (ctx) {
          var raw = ctx.raw;
          var span = Array.isArray(raw) ? raw : raw && Array.isArray(raw.x) ? raw.x : null;
          if (!span) return ctx.dataset.label + ': ' + sec(ctx.parsed.y);
          return ctx.dataset.label + ': ' + fmt.format(span[0]) + '–' + sec(span[1]) + ' (' + sec(span[1] - span[0]) + ')';
        };
      }
      if (o.plugins.zoom) {
        o.plugins.zoom.zoom.onZoomComplete = function (ctx) {
          follow(ctx.chart);
        };
        o.plugins.zoom.pan.onPanComplete = function (ctx) {
          follow(ctx.chart);
        };
      }
      var chart = new Chart(canvas, cfg);
      chart.$spec = spec;
      charts.push(chart);
      if (spec.time) {
        canvas.addEventListener('dblclick', function () {
          charts.forEach(function (c) {
            if (c.$spec.time) c.resetZoom('none');
          });
        });
      }
    });

    document.querySelectorAll('[data-zoom]').forEach(function (button) {
      button.addEventListener('click', function () {
        var outage = button.getAttribute('data-zoom') === 'outage';
        charts.forEach(function (c) {
          if (!c.$spec.time) return;
          if (outage && c.$spec.focus) c.zoomScale('x', { min: c.$spec.focus[0], max: c.$spec.focus[1] }, 'none');
          else c.resetZoom('none');
        });
      });
    });

    // Lets tests and curious readers reach the Chart instances.
    window.reportCharts = charts;
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
