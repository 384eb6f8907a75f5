/* The host screen on the projector: join code, question with countdown, answers per option, the correct answer
   with its explanation and source, the scoreboard. "Tiếp theo" or Space / → moves on. */
(function () {
  "use strict";
  var root = document.getElementById("live-host");
  if (!root || !window.fetch) return;
  var d = root.dataset, state = null, count = null, live, busy = false;
  var $ = function (id) { return document.getElementById(id); };
  var screens = ["h-lobby", "h-question", "h-board"];

  function act(action) {
    if (busy) return;
    busy = true;
    QzLive.post(d.control, d.csrf, { action: action, v: state ? state.v : null }).then(function (res) {
      busy = false;
      $("host-msg").textContent = res.ok ? "" : (res.data.message || "Chưa thực hiện được.");
      if (!res.ok || !state || res.data.v > state.v) live.poll();
    }, function () { busy = false; $("host-msg").textContent = "Mất kết nối, hãy thử lại."; });
  }
  document.querySelectorAll(".host-controls button[data-action]").forEach(function (b) {
    b.addEventListener("click", function () { act(b.dataset.action); b.blur(); });
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === " " || e.key === "Spacebar" || e.key === "ArrowRight") { e.preventDefault(); act("next"); }
  });

  function renderOptions(s) {
    var list = $("h-options"), reveal = s.phase === "reveal" ? s.reveal : null, total = reveal ? Math.max(1, reveal.answered) : 1;
    list.textContent = "";
    s.question.options.forEach(function (o, i) {
      var li = document.createElement("li"), label = document.createElement("span"), bar = document.createElement("span");
      li.className = "host-option"; li.dataset.letter = o.letter;
      label.className = "host-option-text"; label.textContent = o.letter + ". " + o.text;
      li.appendChild(label);
      if (reveal) {
        var c = reveal.counts[i];
        li.classList.add(c.correct ? "is-correct" : "is-wrong");
        bar.className = "host-bar"; bar.style.width = Math.round(100 * c.count / total) + "%";
        var n = document.createElement("span"); n.className = "host-count"; n.textContent = c.count;
        li.appendChild(bar); li.appendChild(n);
      }
      list.appendChild(li);
    });
  }
  function renderBoard(s) {
    $("h-board-title").textContent = s.phase === "final" ? "Kết quả chung cuộc" : "Bảng điểm sau câu " + (s.position + 1);
    $("h-name-head").textContent = s.team_mode ? "Đội" : "Tên";
    $("h-tied").hidden = !(s.phase === "final" && s.tied);
    var body = $("h-table").querySelector("tbody");
    body.textContent = "";
    (s.board || []).forEach(function (r) {
      var tr = document.createElement("tr");
      [r.rank, r.team && !s.team_mode ? r.name + " (" + r.team + ")" : r.name, r.score, r.correct, r.time].forEach(function (v, i) {
        var td = document.createElement("td"); td.textContent = v; if (i > 1) td.className = "num"; tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }
  function render(s) {
    if (state && s.v < state.v) return;
    state = s;
    $("host-phase").textContent = s.label + (s.paused ? " · tạm dừng" : "");
    $("btn-pause").hidden = s.paused || s.phase === "final";
    $("btn-resume").hidden = !s.paused;
    $("btn-board").hidden = s.phase !== "reveal";
    $("btn-next").hidden = s.phase === "final";
    $("btn-sudden").hidden = !(s.phase === "final" && s.tied && s.tiebreaks_left > 0);
    $("h-players").textContent = s.players;
    $("h-total").textContent = s.players;
    if (s.phase === "lobby") {
      $("h-names").textContent = (s.names || []).join(" · ");
      QzLive.show(screens, "h-lobby");
    } else if (s.phase === "question" || s.phase === "reveal") {
      QzLive.show(screens, "h-question");
      $("h-qnumber").textContent = s.sudden ? "Câu hỏi phụ" : "Câu " + s.question.number + "/" + s.count;
      $("h-qtext").textContent = s.question.text;
      renderOptions(s);
      $("h-reveal").hidden = s.phase !== "reveal";
      if (s.phase === "reveal") {
        $("h-correct").textContent = s.reveal.letter;
        $("h-explanation").textContent = s.reveal.explanation || "";
        $("h-source").textContent = s.reveal.source ? "Nguồn: " + s.reveal.source : "";
        $("h-answered").textContent = s.reveal.answered;
      }
    } else {
      QzLive.show(screens, "h-board");
      renderBoard(s);
    }
    tick();
  }
  function onCount(c) {
    count = c;
    if (state && c.position === state.position && state.phase === "question") $("h-answered").textContent = c.answered;
    $("h-players").textContent = c.players; $("h-total").textContent = c.players;
    if (c.names) $("h-names").textContent = c.names.join(" · ");
  }
  function tick() {
    if (!state) return;
    $("h-time").textContent = state.phase === "question" ? (state.paused ? "Tạm dừng" : QzLive.secondsLeft(state, live.now())) : "";
  }
  live = QzLive({ streamUrl: d.stream, stateUrl: d.state, onState: render, onCount: onCount });
  setInterval(tick, 250);
})();
