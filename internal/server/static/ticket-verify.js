// The check of signed QR codes: admission tickets at the entrance
// (data-kind absent) and score reports (data-kind="score"). Reads the code with
// the camera (jsQR) or from a USB scanner, and verifies its Ed25519
// signature with the site's public key in the browser (Web Crypto), so
// that it keeps working offline once the page is open. Where the browser
// has no Ed25519 (an insecure origin, an old browser) the server checks.
// The payload: KT1|ticket no|name|masked ID|specialty|days|venue|room|seat|signature.
(function () {
  "use strict";
  var scan = document.getElementById("scan");
  var result = document.getElementById("result");
  var form = document.getElementById("manual");
  var input = document.getElementById("payload");
  var key = Uint8Array.from(atob(scan.dataset.key), function (c) { return c.charCodeAt(0); });
  var last = "";

  function b64url(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    return Uint8Array.from(atob(s), function (c) { return c.charCodeAt(0); });
  }

  function today() {
    // The server's date when its clock is set for a demo or training;
    // else the device's, as a Beijing date whatever its time zone.
    if (scan.dataset.today) return scan.dataset.today;
    return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit" })
      .format(new Date()).replace(/-/g, "");
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function show(ok, message, fields, how) {
    result.textContent = "";
    result.appendChild(el("h2", ok ? "ok" : "err", (ok ? "✓ " : "✗ ") + message));
    if (fields) {
      var dl = el("dl", "ticket-check");
      var rows = [["姓名", fields.name], ["准考证号", fields.ticketNo], ["证件号码", fields.id], ["专业代码", fields.specialty]];
      if (score) {
        rows.push(["考试年度", fields.year], ["各科成绩", fields.scores], ["两年滚动", fields.passed ? "考试合格" : "尚未合格"]);
      } else {
        rows.push(["考场", fields.venue + " " + fields.room], ["座位号", fields.seat]);
      }
      rows.forEach(function (r) {
        dl.appendChild(el("dt", "", r[0]));
        dl.appendChild(el("dd", "", r[1]));
      });
      result.appendChild(dl);
    }
    result.appendChild(el("p", "hint", how));
  }

  var invalid = "无效：不是本考点签发的准考证，或内容被改动。请核对证件，并联系考点工作人员";
  var invalidScore = "无效：不是本考区签发的成绩单，或内容被改动";

  // The two kinds of signed codes: admission tickets (the entrance) and
  // score reports (anyone), with their prefix and number of parts.
  var score = scan.dataset.kind === "score";
  var prefix = score ? "KS1" : "KT1", parts = score ? 8 : 9;
  var how = score ? "本机核验（考区公钥）。" : "本机核验（考点公钥）。";

  function local(payload) {
    var i = payload.lastIndexOf("|");
    var f = payload.slice(0, i).split("|");
    if (i < 0 || f[0] !== prefix || f.length !== parts) return Promise.resolve(null);
    var sig;
    try { sig = b64url(payload.slice(i + 1)); } catch (e) { return Promise.resolve(null); }
    return crypto.subtle.importKey("raw", key, { name: "Ed25519" }, false, ["verify"]).then(function (k) {
      return crypto.subtle.verify({ name: "Ed25519" }, k, sig, new TextEncoder().encode(payload.slice(0, i)));
    }).then(function (ok) {
      return { ok: ok, f: f };
    });
  }

  function check(payload) {
    payload = payload.trim();
    if (!payload) return;
    var supported = window.crypto && crypto.subtle && window.TextEncoder;
    var p = supported ? local(payload) : Promise.reject(new Error("no crypto"));
    p.then(function (r) {
      if (!r || !r.ok) { show(false, score ? invalidScore : invalid, null, how); return; }
      var f = r.f;
      if (score) {
        var shownScores = f[6].split(",").map(function (v) { return v === "-" ? "缺考" : v; }).join("、");
        show(true, "有效：成绩单内容与考区记录一致", { ticketNo: f[1], name: f[2], id: f[3], specialty: f[4], year: f[5], scores: shownScores, passed: f[7] === "1" },
          how);
        return;
      }
      var days = f[5].split(",");
      var fields = { ticketNo: f[1], name: f[2], id: f[3], specialty: f[4], venue: f[6], room: f[7], seat: f[8] };
      if (days.indexOf(today()) >= 0) {
        show(true, "有效：今天的考试", fields, "本机核验（考点公钥）。");
      } else {
        var shown = days.map(function (d) { return d.slice(0, 4) + "年" + Number(d.slice(4, 6)) + "月" + Number(d.slice(6)) + "日"; });
        show(false, "准考证有效，但不是今天的考试：考试日期为 " + shown.join("、"), fields, "本机核验（考点公钥）。");
      }
    }).catch(function () {
      // No Ed25519 in this browser: the server checks (needs the network).
      fetch(form.action, { method: "POST", headers: { "Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded" },
        body: "payload=" + encodeURIComponent(payload), credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (c) {
          if (score) {
            show(c.Valid, c.Message, c.Valid ? { ticketNo: c.TicketNo, name: c.Name, id: c.IDNumber, specialty: c.Specialty, year: c.Year,
              scores: c.Scores.map(function (v) { return v === "-" ? "缺考" : v; }).join("、"), passed: c.Passed } : null, "由服务器核验。");
            return;
          }
          var t = c.Ticket;
          show(c.Valid && c.Today, c.Message, c.Valid ? { ticketNo: t.ticket_no, name: t.name, id: t.id_number, specialty: t.specialty,
            venue: t.venue, room: t.room, seat: t.seat } : null, "由服务器核验。");
        })
        .catch(function () { show(false, "无法核验：本浏览器不支持本机核验，且连不上服务器。请检查网络", null, ""); });
    });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    check(input.value);
    input.select();
  });

  document.getElementById("camera").addEventListener("click", function () {
    var video = document.getElementById("video");
    var canvas = document.getElementById("frame");
    var ctx = canvas.getContext("2d", { willReadFrequently: true });
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      show(false, "本设备无法打开摄像头：请使用扫码枪，或在 https 地址打开本页", null, "");
      return;
    }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      (function tick() {
        if (video.readyState === video.HAVE_ENOUGH_DATA) {
          canvas.width = video.videoWidth;
          canvas.height = video.videoHeight;
          ctx.drawImage(video, 0, 0);
          var code = jsQR(ctx.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height);
          if (code && code.data !== last) {
            last = code.data;
            input.value = code.data;
            check(code.data);
          }
        }
        requestAnimationFrame(tick);
      })();
    }).catch(function () {
      show(false, "摄像头未授权：请允许本页使用摄像头，或使用扫码枪", null, "");
    });
  });
})();
