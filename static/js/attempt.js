/* Attempt page: server clock countdown, answers saved as chosen, an offline queue, safe submission.
   Without this script the page is a plain form that saves and submits on the server. */
(function () {
  "use strict";
  var form = document.getElementById("attempt");
  if (!form || !window.fetch || !window.Promise) return;
  var d = form.dataset, api = d.api, resultUrl = d.result, practice = d.practice === "1";
  var csrf = form.querySelector("input[name=csrf_token]").value;
  var deadline = +d.deadline, started = +d.started;
  var drift = +d.serverNow - Date.now(); // server clock minus phone clock
  var key = "qz-queue-" + d.attempt, seqKey = "qz-seq-" + d.attempt;
  var store = null;
  try { store = window.localStorage; } catch (e) {}
  var queue = load(), seq = +(get(seqKey) || 0);
  var timeEl = document.getElementById("time-left"), net = document.getElementById("net-status");
  var inFlight = null, submitting = false, submitWanted = null, lastButton = null;

  function get(k) { try { return store && store.getItem(k); } catch (e) { return null; } }
  function load() { try { return JSON.parse(get(key) || "{}") || {}; } catch (e) { return {}; } }
  function persist() { try { store.setItem(key, JSON.stringify(queue)); store.setItem(seqKey, String(seq)); } catch (e) {} }
  function forget() { try { store.removeItem(key); store.removeItem(seqKey); } catch (e) {} }
  function now() { return Date.now() + drift; }
  function pending() { return Object.keys(queue); }
  function fieldset(aq) { return form.querySelector('fieldset[data-aq="' + aq + '"]'); }
  function setState(aq, text, waiting) {
    var el = fieldset(aq).querySelector(".save-state");
    el.textContent = text; el.classList.toggle("pending", !!waiting);
    mark(aq);
  }
  // The question map follows each question: saved, chosen but not saved yet, or empty.
  function mark(aq) {
    var link = document.querySelector('.qmap a[data-map="' + aq + '"]');
    if (!link) return;
    var chosen = !!fieldset(aq).querySelector("input:checked"), waiting = chosen && !!queue[aq];
    link.classList.toggle("done", chosen && !waiting);
    link.classList.toggle("pending", waiting);
    link.setAttribute("aria-label", "Câu " + link.textContent + ", " + (waiting ? "chưa lưu" : chosen ? "đã trả lời" : "chưa trả lời"));
  }
  function emptyQuestions() {
    var out = [];
    form.querySelectorAll("fieldset.question").forEach(function (fs) {
      if (!fs.querySelector("input:checked")) out.push(fs.id.replace("cau-", ""));
    });
    return out;
  }
  function showNet(text) { net.hidden = !text; net.textContent = text || ""; }
  function answered() { return form.querySelectorAll("fieldset.question input:checked").length; }

  function request(method, url, body) {
    return fetch(url, {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: body ? JSON.stringify(body) : undefined
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) { return { ok: r.ok, status: r.status, data: data }; });
    });
  }

  // Kept in the queue and retried: no connection, signed out, stale page token, too fast, server trouble.
  function retryable(res) {
    return res.status === 401 || res.status === 429 || res.status >= 500 || (res.data && res.data.error === "csrf");
  }

  function showFeedback(aq, data) {
    if (!practice || !data.correct_option_id) return;
    var fs = fieldset(aq);
    fs.querySelectorAll("label.option").forEach(function (label) {
      var v = +label.querySelector("input").value;
      label.classList.toggle("is-correct", v === data.correct_option_id);
      label.classList.toggle("is-wrong", v !== data.correct_option_id && v === data.option_id);
    });
    var fb = fs.querySelector(".feedback");
    fb.textContent = "";
    var right = data.option_id === data.correct_option_id;
    var letter = "ABCDEF".charAt(data.correct_option_id - 1);
    var verdict = document.createElement("p");
    verdict.className = "verdict " + (right ? "ok" : "err");
    verdict.textContent = right ? "Bạn trả lời đúng." : "Chưa đúng. Đáp án đúng là " + letter + ".";
    fb.appendChild(verdict);
    var p = document.createElement("p"); p.textContent = data.explanation || ""; fb.appendChild(p);
    var s = document.createElement("p"); s.className = "hint"; s.textContent = "Nguồn: " + (data.source || ""); fb.appendChild(s);
    fb.hidden = false;
  }

  function saved(aq, item, res) {
    var stored = res.data.option_id;
    if (stored && stored !== item.option) { // a newer choice made on another device is kept
      var input = fieldset(aq).querySelector('input[value="' + stored + '"]');
      if (input) input.checked = true;
    }
    setState(aq, "Đã lưu");
    showFeedback(aq, res.data);
  }

  // Sends queued answers one by one; resolves true once the queue is empty, false if some must wait.
  function flush() {
    if (inFlight) return inFlight;
    var aq = pending()[0];
    if (!aq) return Promise.resolve(true);
    var item = queue[aq];
    inFlight = request("PUT", api + "/answers/" + aq, { option_id: item.option, seq: item.seq }).then(function (res) {
      if (!res.ok && retryable(res)) { showNet(res.data.message || "Chưa lưu được. Hệ thống sẽ tự thử lại."); return false; }
      if (queue[aq] && queue[aq].seq === item.seq) delete queue[aq];
      persist();
      if (res.ok) saved(aq, item, res);
      else { setState(aq, res.data.message || "Không lưu được câu trả lời.", true); closed(res); }
      showNet("");
      return true;
    }, function () {
      showNet("Mất kết nối. Các câu trả lời đã chọn được giữ trên máy và sẽ tự gửi khi có mạng trở lại.");
      return false;
    }).then(function (ok) { inFlight = null; return ok ? flush() : false; });
    return inFlight;
  }

  function closed(res) {
    var code = res.data && res.data.error;
    if (code === "attempt_closed" || code === "time_up" || code === "not_found") window.location.href = resultUrl;
    else if (code === "device_replaced") showNet(res.data.message);
  }

  form.addEventListener("change", function (e) {
    var input = e.target;
    if (input.type !== "radio" || !input.closest("fieldset.question")) return;
    var aq = input.closest("fieldset").dataset.aq;
    // Server-clock milliseconds since the start: the newest choice wins, from this device or another.
    seq = Math.max(seq + 1, Math.floor(now() - started));
    queue[aq] = { option: +input.value, seq: seq };
    persist();
    setState(aq, "Chưa lưu – đang gửi…", true);
    document.getElementById("answered").textContent = answered();
    flush();
  });

  // A problem with the prediction is said under the box itself, scrolled to the middle of the screen (a browser's
  // own bubble would sit under the sticky bars).
  function predictionProblem(text) {
    var input = document.getElementById("prediction"), err = document.getElementById("prediction-err");
    err.textContent = text || ""; err.hidden = !text;
    input.setAttribute("aria-describedby", text ? "prediction-hint prediction-err" : "prediction-hint");
    input.toggleAttribute("aria-invalid", !!text);
    if (text) { input.scrollIntoView({ block: "center" }); input.focus({ preventScroll: true }); }
  }
  function prediction(auto) {
    var input = document.getElementById("prediction");
    var raw = input ? input.value.replace(/[\s.,]/g, "") : "";
    if (/^\d+$/.test(raw)) { predictionProblem(""); return parseInt(raw, 10); }
    if (!auto && input && raw) { predictionProblem("Số dự đoán phải là một số nguyên không âm."); return false; }
    if (!auto && input && input.validity.badInput) { predictionProblem("Số dự đoán phải là một số nguyên không âm."); return false; }
    if (!auto && input) { predictionProblem("Vui lòng trả lời câu hỏi dự đoán trước khi nộp bài."); return false; }
    return null;
  }

  function submit(auto) {
    if (submitting) return;
    var pred = prediction(auto);
    if (pred === false) return;
    submitting = true;
    var body = { auto: !!auto };
    if (pred !== null) body.prediction = pred;
    flush().then(function (sent) {
      if (!sent) throw new Error("offline");
      return request("POST", api + "/submit", body);
    }).then(function (res) {
      if (res.ok || (res.data && (res.data.error === "attempt_closed" || res.data.error === "not_found"))) {
        forget();
        window.location.href = resultUrl;
        return;
      }
      if (retryable(res)) throw new Error("retry");
      submitting = false;
      showNet(res.data.message || "Chưa nộp được bài. Vui lòng thử lại.");
    }).catch(function () {
      submitting = false; submitWanted = auto ? "auto" : "manual";
      showNet("Mất kết nối. Bài của bạn đang chờ gửi và sẽ được nộp ngay khi có mạng trở lại; đừng đóng trang này.");
      var btn = document.getElementById("submit-btn");
      if (btn) btn.textContent = "Đang chờ mạng để nộp…";
    });
  }

  // Which button sent the form (e.submitter is missing on older phones).
  form.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("button[type=submit]");
    if (b) lastButton = b;
  });
  form.addEventListener("submit", function (e) {
    var btn = e.submitter || lastButton;
    lastButton = null;
    e.preventDefault();
    if (!btn || btn.name !== "submit") { flush(); return; }
    if (prediction(false) === false) return;
    var empty = emptyQuestions();
    var note = empty.length ? "Bạn còn " + empty.length + " câu chưa trả lời (câu " + empty.join(", ") + "). " : "";
    if (!window.confirm(note + "Bạn chắc chắn muốn nộp bài?")) return;
    submit(false);
  });

  function tick() {
    var left = Math.max(0, Math.floor((deadline - now()) / 1000));
    timeEl.textContent = Math.floor(left / 60) + ":" + ("0" + (left % 60)).slice(-2);
    timeEl.parentNode.classList.toggle("low", left <= 60);
    if (left <= 0 && !submitting && submitWanted !== "auto") { showNet("Đã hết giờ, hệ thống đang nộp bài…"); submit(true); }
  }

  function resync() {
    var sentAt = Date.now();
    request("GET", api + "?claim=0").then(function (res) {  // reading only: never takes the attempt back
      if (!res.ok) { closed(res); return; }
      drift = res.data.server_time - (sentAt + (Date.now() - sentAt) / 2);
      deadline = res.data.deadline;
      if (res.data.status !== "in_progress") window.location.href = resultUrl;
    }, function () {});
  }

  function online() { // (the notice is cleared by the first save that goes through, not before)
    flush().then(function (sent) { if (sent && submitWanted) { var auto = submitWanted === "auto"; submitWanted = null; submit(auto); } });
  }

  // Choices queued while offline (before a reload) are shown again, as not yet saved.
  pending().forEach(function (aq) {
    var fs = fieldset(aq);
    if (!fs) { delete queue[aq]; return; }
    var input = fs.querySelector('input[value="' + queue[aq].option + '"]');
    if (input) input.checked = true;
    setState(aq, "Chưa lưu", true);
  });
  document.getElementById("answered").textContent = answered();
  form.querySelectorAll("fieldset.question").forEach(function (fs) { mark(fs.dataset.aq); });
  // Signing out in the middle of an attempt asks first (the clock keeps running).
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (f === form || !f.hasAttribute("data-confirm")) return;
    var waiting = pending().length;
    var text = f.getAttribute("data-confirm") + (waiting ? " " + waiting + " câu trả lời chưa được lưu sẽ chỉ còn trên máy này." : "");
    if (!window.confirm(text)) e.preventDefault();
  });
  window.addEventListener("online", online);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { resync(); flush(); } });
  setInterval(tick, 1000);
  setInterval(function () { if (pending().length || submitWanted) online(); }, 5000);
  tick(); resync(); flush();
})();
