// solsec front ends: the little JavaScript the pages use, no framework.
// Every page works without it (plain forms, server-rendered state); it
// adds drag and drop with checks before an upload is sent, and live
// progress. It only ever sets textContent and attributes, never HTML.
"use strict";

(function () {
  function byteSize(n) {
    if (n >= 1048576) return Math.floor(n / 1048576) + " MiB";
    if (n >= 1024) return Math.floor(n / 1024) + " KiB";
    return n + " bytes";
  }

  function isArchive(name) {
    var n = name.toLowerCase();
    return n.endsWith(".zip") || n.endsWith(".tar.gz") || n.endsWith(".tgz");
  }

  // checkFiles mirrors the API's limits (the server renders them into the
  // form's data attributes) and returns the problems, if any.
  function checkFiles(files, form) {
    var maxUpload = Number(form.dataset.maxUpload);
    var maxFiles = Number(form.dataset.maxFiles);
    var maxFile = Number(form.dataset.maxFile);
    var problems = [];
    if (files.length === 0) return ["Choose at least one .sol file or a project archive."];
    var archives = 0, total = 0;
    for (var i = 0; i < files.length; i++) {
      var f = files[i];
      total += f.size;
      if (isArchive(f.name)) {
        archives++;
      } else if (!f.name.toLowerCase().endsWith(".sol")) {
        problems.push(f.name + " is neither a .sol file nor a .zip or .tar.gz archive.");
      } else if (f.size > maxFile) {
        problems.push(f.name + " is larger than " + byteSize(maxFile) + ", the limit for one file.");
      }
    }
    if (archives > 0 && files.length > 1) problems.push("Upload one project archive on its own, not with other files.");
    if (files.length > maxFiles) problems.push("Too many files: at most " + maxFiles + ". Upload the project as an archive instead.");
    if (total > maxUpload) problems.push("The upload is " + byteSize(total) + ", more than the " + byteSize(maxUpload) + " allowed.");
    return problems;
  }

  function setupUpload() {
    var form = document.getElementById("upload");
    if (!form) return;
    var input = document.getElementById("files");
    var drop = document.getElementById("drop");
    var out = document.getElementById("upload-check");
    var submit = document.getElementById("upload-submit");

    function report() {
      var problems = checkFiles(input.files, form);
      out.textContent = problems.length ? problems.join(" ") : input.files.length + " file(s) ready: " + Array.prototype.map.call(input.files, function (f) { return f.name; }).join(", ");
      out.className = "check " + (problems.length ? "bad" : "good");
      input.setAttribute("aria-invalid", problems.length ? "true" : "false");
      return problems.length === 0;
    }
    input.addEventListener("change", report);
    ["dragenter", "dragover"].forEach(function (t) {
      drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (t) {
      drop.addEventListener(t, function () { drop.classList.remove("over"); });
    });
    drop.addEventListener("drop", function (e) {
      e.preventDefault();
      if (e.dataTransfer && e.dataTransfer.files.length) {
        input.files = e.dataTransfer.files;
        report();
      }
    });
    form.addEventListener("submit", function (e) {
      if (!report()) {
        e.preventDefault();
        input.focus();
        return;
      }
      submit.disabled = true;
      submit.textContent = "Uploading…";
    });
  }

  // Live progress: events relayed from the notification service. The page
  // resumes after the last event id it saw, so a dropped connection misses
  // nothing; it stops once the analysis has ended.
  function setupLive() {
    var root = document.getElementById("live");
    if (!root || !window.WebSocket) return;
    var id = root.dataset.analysis;
    var terminal = { completed: true, failed: true, cancelled: true };
    var order = ["queued", "parsing", "analysing", "scoring", "completed"];
    var lastId = "0";
    var delay = 500;
    var conn = document.getElementById("conn");

    function label(s) {
      s = String(s || "").replace(/_/g, " ");
      return s ? s.charAt(0).toUpperCase() + s.slice(1) : s;
    }
    function token(s) { return /^[a-z0-9_-]+$/.test(s || "") ? s : "other"; }

    function setState(state) {
      if (!state) return;
      root.dataset.state = state;
      var el = document.getElementById("state");
      el.textContent = label(state);
      el.className = "state state-" + token(state);
      var cur = order.indexOf(state);
      document.querySelectorAll(".steps li").forEach(function (li) {
        var i = order.indexOf(li.dataset.step);
        li.classList.toggle("done", cur >= 0 && (i < cur || state === "completed"));
        li.classList.toggle("current", i === cur);
        if (i === cur) li.setAttribute("aria-current", "step"); else li.removeAttribute("aria-current");
      });
      if (state === "completed") document.getElementById("done").hidden = false;
    }

    function toolRow(tool) {
      var body = document.querySelector("#tools tbody");
      var rows = body.querySelectorAll("tr");
      for (var i = 0; i < rows.length; i++) if (rows[i].dataset.tool === tool) return rows[i];
      var tr = document.createElement("tr");
      tr.dataset.tool = tool;
      var th = document.createElement("th");
      th.scope = "row";
      th.textContent = tool;
      tr.appendChild(th);
      ["tool-state", "tool-time", "tool-detail"].forEach(function (c) {
        var td = document.createElement("td");
        td.className = c;
        tr.appendChild(td);
      });
      body.appendChild(tr);
      return tr;
    }

    function setTool(tool, state, data) {
      var tr = toolRow(tool);
      var span = document.createElement("span");
      span.className = "state state-" + token(state);
      span.textContent = label(state);
      var cell = tr.querySelector(".tool-state");
      cell.textContent = "";
      cell.appendChild(span);
      var ms = data && (data.durationMs || (data.durationNs && data.durationNs / 1e6));
      if (ms) {
        tr.querySelector(".tool-time").textContent = ms < 1000 ? Math.round(ms) + " ms" : (ms / 1000).toFixed(1) + " s";
      }
      if (data && data.error) tr.querySelector(".tool-detail").textContent = data.error;
    }

    function apply(ev) {
      if (ev.type === "subscription.ready") { conn.textContent = "Live"; return; }
      if (ev.type === "subscription.gap") { window.location.reload(); return; }
      if (ev.analysisId !== id) return;
      if (ev.id) lastId = ev.id;
      var data = ev.data || {};
      if (typeof ev.progress === "number") {
        var bar = document.getElementById("bar");
        bar.value = ev.progress;
        bar.textContent = ev.progress + "%";
      }
      if (ev.type === "tool_run.started") setTool(ev.tool, "running", data);
      if (ev.type === "tool_run.finished") setTool(ev.tool, data.state || data.outcome || "succeeded", data);
      setState(ev.state);
      if (terminal[ev.state] && ev.time) {
        // The same format as the server's: 2006-01-02 15:04 UTC.
        document.getElementById("finished").textContent = new Date(ev.time).toISOString().slice(0, 16).replace("T", " ") + " UTC";
      }
      if (ev.type === "analysis.failed" && (data.reason || data.error)) {
        var err = document.getElementById("error");
        err.textContent = data.reason || data.error;
        err.hidden = false;
      }
    }

    function connect() {
      if (terminal[root.dataset.state]) { conn.textContent = ""; return; }
      var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      var ws = new WebSocket(scheme + window.location.host + "/analyses/" + encodeURIComponent(id) + "/live?after=" + encodeURIComponent(lastId));
      conn.textContent = "Connecting…";
      ws.onmessage = function (m) {
        delay = 500;
        try { apply(JSON.parse(m.data)); } catch (e) { /* a malformed event is skipped, not fatal */ }
        if (terminal[root.dataset.state]) { conn.textContent = "Finished"; ws.close(1000); }
      };
      ws.onclose = function () {
        if (terminal[root.dataset.state]) return;
        conn.textContent = "Reconnecting…";
        setTimeout(connect, delay);
        delay = Math.min(delay * 2, 15000);
      };
    }
    connect();
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupUpload();
    setupLive();
  });
})();
