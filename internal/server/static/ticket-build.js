// Follows a running ticket build on the seating page: polls its progress
// every two seconds and shows the download when it is done.
(function () {
  "use strict";
  var box = document.querySelector(".build[data-state=running]");
  if (!box) return;
  var bar = box.querySelector("progress"), count = box.querySelector(".build-count"), state = box.querySelector(".build-state");
  function poll() {
    fetch("/staff/tickets/builds/" + box.dataset.build, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (b) {
        bar.max = b.total; bar.value = b.done;
        count.textContent = b.done + "/" + b.total + " 个考场";
        if (b.state === "done") {
          state.textContent = "";
          var a = document.createElement("a");
          a.className = "button"; a.href = b.zip; a.textContent = "下载全部准考证（ZIP）";
          state.appendChild(a);
        } else if (b.state === "failed") {
          state.textContent = "生成失败：" + b.error;
        } else {
          setTimeout(poll, 2000);
        }
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1000);
})();
