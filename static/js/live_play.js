/* The player's phone: the current question, one tap to answer, "Đã ghi nhận", the reveal and own score. */
(function () {
  "use strict";
  var root = document.getElementById("live-player");
  if (!root || !window.fetch) return;
  var d = root.dataset, me = d.player, state = null, answered = {}, sending = false, live;
  var $ = function (id) { return document.getElementById(id); };
  var screens = ["screen-lobby", "screen-question", "screen-result"];

  function mine(s) { return (s.me && s.me[me]) || null; }
  function scores(s) {
    var m = mine(s);
    if (m) { $("my-rank").textContent = m[0]; $("my-score").textContent = m[1]; }
  }
  function renderQuestion(s) {
    var q = s.question, pos = s.position;
    if (root.dataset.shown !== String(pos) + ":" + s.v) {
      $("q-number").textContent = (s.sudden ? "Câu hỏi phụ" : "Câu " + q.number + "/" + s.count);
      $("q-text").textContent = q.text;
      var box = $("q-options");
      box.textContent = "";
      q.options.forEach(function (o) {
        var b = document.createElement("button");
        b.type = "button"; b.className = "live-option"; b.dataset.option = o.id;
        b.textContent = o.letter + ". " + o.text;
        b.addEventListener("click", function () { choose(pos, o.id, b); });
        box.appendChild(b);
      });
      root.dataset.shown = String(pos) + ":" + s.v;
    }
    mark(pos);
  }
  function mark(pos) {
    var chosen = answered[pos], open = state && state.phase === "question" && !state.paused && QzLive.secondsLeft(state, live.now()) > 0;
    document.querySelectorAll(".live-option").forEach(function (b) {
      b.disabled = !!chosen || !open || sending;
      b.classList.toggle("chosen", String(chosen) === b.dataset.option);
    });
    var status = $("q-status");
    if (chosen) status.textContent = "Đã ghi nhận. Chờ công bố đáp án.";
    else if (state.paused) status.textContent = "Tạm dừng, vui lòng chờ.";
    else if (!open) status.textContent = "Hết giờ.";
    else if (!sending) status.textContent = "";
  }
  function choose(pos, option, button) {
    if (answered[pos] || sending) return;
    sending = true; mark(pos);
    $("q-status").textContent = "Đang gửi…";
    QzLive.post(d.answer, d.csrf, { position: pos, option: option }).then(function (res) {
      sending = false;
      if (res.ok || res.data.error === "answered") {
        answered[pos] = res.ok ? option : (answered[pos] || option);
        if (!res.ok) live.poll();
      } else {
        $("q-status").textContent = res.data.message || "Chưa gửi được, vui lòng thử lại.";
      }
      mark(pos);
      if (!res.ok && res.data.message && res.data.error !== "answered") $("q-status").textContent = res.data.message;
    }, function () { sending = false; mark(pos); $("q-status").textContent = "Mất kết nối: chạm lại để gửi."; });
  }
  function renderResult(s) {
    var m = mine(s), title = $("r-title"), verdict = $("r-verdict");
    $("r-correct").textContent = ""; $("r-explanation").textContent = "";
    if (s.phase === "reveal") {
      title.textContent = s.sudden ? "Câu hỏi phụ" : "Câu " + s.question.number + "/" + s.count;
      var got = m && m[3] !== null;
      verdict.textContent = !got ? "Bạn chưa trả lời câu này." : m[3] ? "Chính xác! +" + m[2] + " điểm" : "Chưa đúng.";
      verdict.className = "live-verdict " + (got && m[3] ? "ok" : "err");
      $("r-correct").textContent = "Đáp án đúng: " + s.reveal.letter;
      $("r-explanation").textContent = s.reveal.explanation || "";
    } else {
      title.textContent = s.phase === "final" ? "Kết quả chung cuộc" : "Bảng điểm";
      verdict.className = "live-verdict";
      verdict.textContent = m ? "Bạn đứng hạng " + m[0] + " với " + m[1] + " điểm." : "";
    }
  }
  function render(s) {
    if (state && s.v < state.v) return;
    state = s;
    scores(s);
    if (s.phase === "lobby") QzLive.show(screens, "screen-lobby");
    else if (s.phase === "question") { QzLive.show(screens, "screen-question"); renderQuestion(s); }
    else { QzLive.show(screens, "screen-result"); renderResult(s); }
    tick();
  }
  function tick() {
    if (state && state.phase === "question") {
      $("q-time").textContent = state.paused ? "–" : QzLive.secondsLeft(state, live.now());
      mark(state.position);
    }
  }
  live = QzLive({
    streamUrl: d.stream, stateUrl: d.state, onState: render,
    onPlayer: function (p, s) { if (p.answered) answered[s.position] = p.answered; if (state) render(state); }
  });
  setInterval(tick, 250);
})();
