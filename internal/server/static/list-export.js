// Follows a background export of a staff list: polls its progress every
// two seconds and shows the download when the file is made.
(function () {
  "use strict";
  var box = document.querySelector(".export[data-state=running]");
  if (!box) return;
  var bar = box.querySelector("progress"), count = box.querySelector(".export-count"), state = box.querySelector(".export-state");
  function poll() {
    fetch("/staff/lists/exports/" + box.dataset.export, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (e) {
        bar.max = e.total; bar.value = e.done;
        count.textContent = e.done + "/" + e.total + " 条";
        if (e.state === "done") {
          box.dataset.state = "done";
          state.textContent = "";
          var a = document.createElement("a");
          a.className = "button primary"; a.href = e.file; a.textContent = "下载 Excel 文件";
          state.appendChild(a);
        } else if (e.state === "failed") {
          box.dataset.state = "failed";
          state.textContent = "导出失败：" + e.error;
        } else {
          setTimeout(poll, 2000);
        }
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1000);
})();
