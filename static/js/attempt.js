/* Attempt page: server clock countdown, answers saved as chosen, an offline queue, safe submission.
   Without this script the page is a plain form that saves and submits on the server. */
(function () {
  "use strict";
  var form = document.getElementById("attempt");
  if (!form || !window.fetch) return;
  var id = form.dataset.attempt, api = form.dataset.api, resultUrl = form.dataset.result;
  var practice = form.dataset.practice === "1";
  var csrf = form.querySelector("input[name=csrf_token]").value;
  var deadline = +form.dataset.deadline;
  var drift = +form.dataset.serverNow - Date.now(); // server minus phone clock
  var key = "qz-queue-" + id, seqKey = "qz-seq-" + id;
  var queue = load(), seq = +(localStorage.getItem(seqKey) || 0);
  var timeEl = document.getElementById("time-left"), net = document.getElementById("net-status");
  var submitting = false, flushing = false, submitWanted = null;

  function load() { try { return JSON.parse(localStorage.getItem(key) || "{}"); } catch (e) { return {}; } }
  function persist() { try { localStorage.setItem(key, JSON.stringify(queue)); localStorage.setItem(seqKey, String(seq)); } catch (e) {} }
  function now() { return Date.now() + drift; }
  function fieldset(aq) { return form.querySelector('fieldset[data-aq="' + aq + '"]'); }
  function setState(aq, text, pending) {
    var el = fieldset(aq).querySelector(".save-state");
    el.textContent = text; el.classList.toggle("pending", !!pending);
  }
  function showNet(text) { net.hidden = !text; net.textContent = text || ""; }
  function countAnswered() {
    document.getElementById("answered").textContent = form.querySelectorAll("fieldset.question input:checked").length;
  }

  function request(method, url, body) {
    return fetch(url, {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: body ? JSON.stringify(body) : undefined
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) { return { ok: r.ok, status: r.status, data: data }; });
    });
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
    var p = document.createElement("p"); p.textContent = data.explanation || ""; fb.appendChild(p);
    var s = document.createElement("p"); s.className = "hint"; s.textContent = "Nguồn: " + (data.source || ""); fb.appendChild(s);
    fb.hidden = false;
  }

  function flush() {
    var pending = Object.keys(queue);
    if (flushing || !pending.length) return Promise.resolve(true);
    flushing = true;
    var aq = pending[0], item = queue[aq];
    return request("PUT", api + "/answers/" + aq, { option_id: item.option, seq: item.seq }).then(function (res) {
      flushing = false;
      if (res.ok || (res.status >= 400 && res.status < 500 && res.status !== 429)) {
        if (queue[aq] && queue[aq].seq === item.seq) delete queue[aq];
        persist();
        if (res.ok) { setState(aq, "Đã lưu"); showFeedback(aq, res.data); }
        else { setState(aq, res.data.message || "Không lưu được câu trả lời", true); handleClosed(res); }
      } else { throw new Error("retry"); }
      showNet("");
      return flush();
    }).catch(function () {
      flushing = false;
      showNet("Mất kết nối. Các câu trả lời đã chọn được giữ trên máy và sẽ tự gửi khi có mạng trở lại.");
      return false;
    });
  }

  function handleClosed(res) {
    var code = res.data && res.data.error;
    if (code === "attempt_closed" || code === "time_up") { window.location.href = resultUrl; }
    if (code === "device_replaced") { showNet(res.data.message); }
  }

  form.addEventListener("change", function (e) {
    var input = e.target;
    if (input.type !== "radio" || !input.closest("fieldset.question")) return;
    var aq = input.closest("fieldset").dataset.aq;
    queue[aq] = { option: +input.value, seq: ++seq };
    persist();
    setState(aq, "Chưa lưu – đang gửi…", true);
    countAnswered();
    flush();
  });

  function submit(auto) {
    if (submitting) return;
    submitting = true;
    var predInput = document.getElementById("prediction");
    var body = { auto: !!auto };
    if (predInput && predInput.value !== "") body.prediction = +predInput.value;
    flush().then(function (sent) {
      if (!sent && Object.keys(queue).length) throw new Error("offline");
      return request("POST", api + "/submit", body);
    }).then(function (res) {
      if (res.ok || (res.data && res.data.error === "attempt_closed")) {
        localStorage.removeItem(key); localStorage.removeItem(seqKey);
        window.location.href = resultUrl;
      } else {
        submitting = false;
        showNet(res.data.message || "Chưa nộp được bài. Vui lòng thử lại.");
      }
    }).catch(function () {
      submitting = false; submitWanted = auto ? "auto" : "manual";
      showNet("Mất kết nối. Bài sẽ được nộp ngay khi có mạng trở lại; đừng đóng trang này.");
    });
  }

  form.addEventListener("submit", function (e) {
    var btn = e.submitter;
    e.preventDefault();
    if (btn && btn.name === "submit") {
      var pred = document.getElementById("prediction");
      if (pred && !pred.reportValidity()) return;
      if (!window.confirm("Bạn chắc chắn muốn nộp bài?")) return;
      submit(false);
    } else { flush(); }
  });

  function tick() {
    var left = Math.max(0, Math.floor((deadline - now()) / 1000));
    timeEl.textContent = Math.floor(left / 60) + ":" + ("0" + (left % 60)).slice(-2);
    timeEl.parentNode.classList.toggle("low", left <= 60);
    if (left <= 0 && !submitting) { showNet("Đã hết giờ, hệ thống đang nộp bài…"); submit(true); }
  }

  function resync() {
    var sentAt = Date.now();
    request("GET", api).then(function (res) {
      if (!res.ok) { handleClosed(res); return; }
      var rtt = Date.now() - sentAt;
      drift = res.data.server_time - (sentAt + rtt / 2);
      deadline = res.data.deadline;
      if (res.data.status !== "in_progress") window.location.href = resultUrl;
    }).catch(function () {});
  }

  // Restore choices queued while offline (after a reload), and show them as not yet saved.
  Object.keys(queue).forEach(function (aq) {
    var fs = fieldset(aq);
    if (!fs) { delete queue[aq]; return; }
    var input = fs.querySelector('input[value="' + queue[aq].option + '"]');
    if (input) input.checked = true;
    setState(aq, "Chưa lưu", true);
  });
  countAnswered();
  window.addEventListener("online", function () { showNet(""); flush().then(function () { if (submitWanted) submit(submitWanted === "auto"); }); });
  document.addEventListener("visibilitychange", function () { if (!document.hidden) resync(); });
  setInterval(tick, 1000);
  setInterval(function () { if (Object.keys(queue).length) flush(); }, 5000);
  tick(); resync(); flush();
})();
